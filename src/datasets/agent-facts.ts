/**
 * The vocabulary of the generated agent-memory workload (`agent-workload.ts`): the facts an assistant learns about
 * one user that can change over time (where they live, who they work for, their pets), each with ways to state it,
 * ways to state that it changed, and paraphrased questions whose answer is that fact.
 *
 * Template syntax: `{v}` is the fact's value. Statements read the way agent-memory libraries store memories
 * (mem0 writes "Lives in Berlin"; others "The user lives in Berlin"), so both styles appear. Memory texts never
 * contain `?`; every question ends in `?` or is a short phrase, as in the corpus (`topics.ts`).
 */

export interface FactAttribute {
  /** Short name, also written as the memory's `metadata.attribute`. */
  name: string;
  /** Corpus-style topic label (`metadata.topic`). */
  topic: string;
  /** Values the fact takes; a change always picks a value different from every live one. */
  values: readonly string[];
  /** Several values live at once (pets, allergies): each is its own memory, a question's `relevant` lists them all. */
  multi?: boolean;
  /** How a new fact is stated (one memory). */
  state: readonly string[];
  /** How a changed fact is stated: the text an update writes (or the new memory that supersedes the old). */
  change: readonly string[];
  /** Paraphrases of the question this fact answers. */
  questions: readonly string[];
  /** The user may ask the assistant to forget it ("forget my address"): the memory is deleted. */
  forgettable?: boolean;
}

const CITIES = [
  'Berlin', 'Paris', 'Lisbon', 'Tokyo', 'Toronto', 'Austin', 'Madrid', 'Seoul', 'Amsterdam', 'Chicago', 'Denver',
  'Dublin', 'Singapore', 'Copenhagen', 'Barcelona', 'Boston', 'Seattle', 'Vienna', 'Prague', 'Melbourne', 'Oslo',
  'Nairobi', 'Montreal', 'Zurich',
];
const COMPANIES = [
  'Northwind', 'Globex', 'Initech', 'Acme Robotics', 'Hooli', 'Vandelay Industries', 'Umbrella Health',
  'Stark Logistics', 'Wayne Analytics', 'Tyrell Systems', 'Cyberdyne Labs', 'Pied Piper', 'Massive Dynamic',
  'Blue Sun Energy', 'Oscorp Media', 'Aperture Science',
];
const PEOPLE = [
  'Alice', 'Bob', 'Carlos', 'Dana', 'Priya', 'Wei', 'Fatima', 'Jonas', 'Mei', 'Omar', 'Sofia', 'Liam', 'Aisha', 'Kenji',
  'Elena', 'Marcus', 'Nadia', 'Tom', 'Ines', 'Raj', 'Hannah', 'Yuki', 'Diego', 'Chloe',
];
const STREETS = ['Linden Street', 'Harbor Road', 'Maple Avenue', 'Station Square', 'Elm Court', 'River Lane', 'Hill Street', 'Park Row', 'Mill Lane', 'Canal Street'];
const NUMBERS = ['4', '27', '63', '140'];

export const FACT_ATTRIBUTES: readonly FactAttribute[] = [
  {
    name: 'home-city',
    topic: 'home',
    values: CITIES,
    state: ['Lives in {v}.', 'The user lives in {v}.', 'User is based in {v}.', 'Home for the user is {v}, where they rent a flat.'],
    change: ['Moved to {v} and lives there now.', 'The user has moved to {v}.', 'User relocated to {v} this month.', 'The user now lives in {v} after the move.'],
    questions: ['Where does the user live?', 'Which city is the user based in?', "user's home city", 'where is the user living now?', 'What city does the user call home?'],
  },
  {
    name: 'employer',
    topic: 'work',
    values: COMPANIES,
    state: ['Works at {v}.', 'The user works for {v}.', 'User is employed at {v}.', 'The user has a job at {v} on the platform team.'],
    change: ['Changed jobs and now works at {v}.', 'The user started a new job at {v}.', 'User left their old company and joined {v}.', 'The user now works for {v}.'],
    questions: ['Where does the user work?', 'Which company does the user work for?', "user's current employer", 'who is the user employed by?', 'What company is the user at?'],
  },
  {
    name: 'job-title',
    topic: 'work',
    values: ['product manager', 'backend engineer', 'data scientist', 'UX designer', 'engineering manager', 'site reliability engineer', 'frontend developer', 'security analyst', 'technical writer', 'solutions architect', 'QA lead', 'machine learning engineer'],
    state: ['Works as a {v}.', "The user's role is {v}.", 'User is a {v} by profession.', 'The user has been working as a {v} for a few years.'],
    change: ['Was promoted and is now a {v}.', "The user's new role is {v}.", 'User switched roles and now works as a {v}.', 'The user became a {v} this quarter.'],
    questions: ["What is the user's job title?", 'What does the user do for a living?', "user's role at work", 'what position does the user hold?'],
  },
  {
    name: 'manager',
    topic: 'people',
    values: PEOPLE,
    state: ["The user's manager is {v}.", 'Reports to {v}.', 'User reports to {v} at work.', '{v} is the manager the user reports to.'],
    change: ["The user's manager is now {v} after the reorg.", 'Now reports to {v}.', 'User has a new manager, {v}.', 'After the team change the user reports to {v}.'],
    questions: ["Who is the user's manager?", 'Who does the user report to?', "user's boss", 'who manages the user at work?'],
  },
  {
    name: 'partner',
    topic: 'family',
    values: PEOPLE,
    state: ["The user's partner is called {v}.", 'Has a partner named {v}.', "User's partner {v} likes hiking.", 'The user lives with their partner {v}.'],
    change: ["The user's partner is now {v}.", 'User is now in a relationship with {v}.', 'Has a new partner named {v}.', 'The user is seeing {v} these days.'],
    questions: ["What is the name of the user's partner?", "Who is the user's partner?", "user's partner name", 'who is the user in a relationship with?'],
  },
  {
    name: 'diet',
    topic: 'diet',
    values: ['vegetarian', 'vegan', 'pescatarian', 'gluten-free', 'low-carb', 'dairy-free', 'halal', 'kosher', 'Mediterranean'],
    state: ['Follows a {v} diet.', 'The user eats a {v} diet.', 'User keeps to a {v} diet for health reasons.', 'The user prefers {v} meals when eating out.'],
    change: ['Switched to a {v} diet.', 'The user is now on a {v} diet.', 'User changed their diet and eats {v} now.', 'The user started eating {v} this month.'],
    questions: ['What diet does the user follow?', 'Does the user have dietary restrictions?', "user's diet", 'what kind of food can the user eat?'],
  },
  {
    name: 'phone',
    topic: 'devices',
    values: ['an iPhone 15', 'a Pixel 8', 'a Galaxy S24', 'an iPhone 13 mini', 'a Fairphone 5', 'a OnePlus 12', 'a Pixel 7a', 'an iPhone 16 Pro'],
    state: ['Uses {v} as their phone.', 'The user has {v}.', "User's phone is {v}.", 'The user carries {v} for work and personal use.'],
    change: ['Upgraded their phone to {v}.', 'The user replaced their phone with {v}.', 'User now uses {v} after the old phone broke.', 'The user switched to {v}.'],
    questions: ['What phone does the user have?', "Which phone model is the user's?", "user's phone", 'what smartphone does the user use?'],
  },
  {
    name: 'car',
    topic: 'home',
    values: ['a Toyota Corolla', 'a Tesla Model 3', 'a Volkswagen Golf', 'a Honda Civic', 'a Subaru Outback', 'a Ford Focus', 'a Kia Niro', 'a Volvo XC40', 'a Mini Cooper'],
    state: ['Drives {v}.', 'The user owns {v}.', "User's car is {v}.", 'The user commutes in {v}.'],
    change: ['Sold the old car and now drives {v}.', 'The user bought {v}.', 'User replaced their car with {v}.', 'The user now drives {v}.'],
    questions: ['What car does the user drive?', "What is the user's car?", "user's car model", 'which vehicle does the user own?'],
  },
  {
    name: 'project',
    topic: 'work',
    values: ['Atlas', 'Orion', 'Helix', 'Nimbus', 'Falcon', 'Quartz', 'Beacon', 'Mosaic', 'Juniper', 'Aurora', 'Cobalt', 'Everest'],
    state: ['Is working on project {v}.', 'The user leads project {v}.', "User's main project at work is {v}.", 'The user spends most of the week on the {v} project.'],
    change: ['Moved to project {v}.', 'The user now works on project {v}.', 'User was reassigned to the {v} project.', 'The user switched to project {v} this sprint.'],
    questions: ['What project is the user working on?', "What is the user's current project?", "user's main project", 'which project does the user lead?'],
  },
  {
    name: 'gym-days',
    topic: 'fitness',
    values: ['Mondays and Thursdays', 'Tuesdays and Fridays', 'weekday mornings', 'Saturday mornings', 'Wednesdays', 'every other evening', 'Mondays, Wednesdays and Fridays', 'Sundays'],
    state: ['Goes to the gym on {v}.', 'The user works out on {v}.', "User's training days are {v}.", 'The user keeps {v} free for the gym.'],
    change: ['Now goes to the gym on {v}.', 'The user moved their workouts to {v}.', "User's training days changed to {v}.", 'The user trains on {v} now.'],
    questions: ['When does the user go to the gym?', 'Which days does the user work out?', "user's workout schedule", "what are the user's training days?"],
  },
  {
    name: 'home-address',
    topic: 'home',
    values: NUMBERS.flatMap((n) => STREETS.map((street) => `${n} ${street}`)),
    state: ["The user's home address is {v}.", 'Lives at {v}.', "User's address is {v}, second floor.", 'Deliveries for the user go to {v}.'],
    change: ["The user's new address is {v}.", 'Moved to a new flat at {v}.', "User's address changed to {v}.", 'The user now lives at {v}.'],
    questions: ["What is the user's home address?", "user's street address", 'Where should deliveries for the user go?', 'what address does the user live at?'],
    forgettable: true,
  },
  {
    name: 'phone-number',
    topic: 'contacts',
    values: ['555 0142', '555 0199', '555 0107', '555 0163', '555 0128', '555 0184', '555 0111', '555 0175', '555 0136', '555 0158'],
    state: ["The user's phone number is {v}.", 'Can be reached at {v}.', "User's mobile number is {v}.", 'The best number to call the user is {v}.'],
    change: ["The user's phone number changed to {v}.", 'Has a new phone number, {v}.', "User's mobile number is now {v}.", 'The user can now be reached at {v}.'],
    questions: ["What is the user's phone number?", "user's mobile number", 'How can the user be reached by phone?', 'what number should I call the user on?'],
    forgettable: true,
  },
  {
    name: 'favorite-cuisine',
    topic: 'food',
    values: ['Thai', 'Italian', 'Japanese', 'Mexican', 'Ethiopian', 'Korean', 'Lebanese', 'Indian', 'Vietnamese', 'Greek', 'Peruvian'],
    state: ['Loves {v} food.', "The user's favorite cuisine is {v}.", 'User prefers {v} restaurants for dinner.', 'The user always picks {v} food when ordering in.'],
    change: ["The user's favorite cuisine is now {v}.", 'Has been into {v} food lately.', 'User now prefers {v} restaurants.', 'The user switched their go-to takeaway to {v}.'],
    questions: ["What is the user's favorite cuisine?", 'What food does the user like?', "user's favourite food", 'which restaurants should I suggest to the user?'],
  },
  {
    name: 'pets',
    topic: 'pets',
    multi: true,
    values: ['a dog named Biscuit', 'a cat called Miso', 'a parrot named Kiwi', 'a rabbit called Clover', 'a dog named Pepper', 'two goldfish', 'a cat named Luna', 'a tortoise called Sheldon', 'a dog named Mochi'],
    state: ['Has {v}.', 'The user has {v}.', 'User owns {v}.', 'The user lives with {v}.'],
    change: ['Adopted {v}.', 'The user recently got {v}.', 'User brought home {v} this week.', 'The user now also has {v}.'],
    questions: ['What pets does the user have?', 'Does the user have any pets?', "user's pets", 'what animals live with the user?'],
  },
  {
    name: 'allergies',
    topic: 'health',
    multi: true,
    values: ['peanuts', 'shellfish', 'penicillin', 'pollen', 'cats', 'dust mites', 'latex', 'gluten', 'bee stings', 'tree nuts'],
    state: ['Is allergic to {v}.', 'The user is allergic to {v}.', 'User has an allergy to {v}.', 'The user carries medication for an allergy to {v}.'],
    change: ['Was diagnosed with an allergy to {v}.', 'The user found out they are allergic to {v}.', 'User recently developed an allergy to {v}.', 'The user reacts badly to {v}, the doctor said.'],
    questions: ['What is the user allergic to?', 'Does the user have any allergies?', "user's allergies", 'what should the user avoid for allergy reasons?'],
    forgettable: true,
  },
  {
    name: 'languages',
    topic: 'learning',
    multi: true,
    values: ['Spanish', 'German', 'Japanese', 'French', 'Portuguese', 'Mandarin', 'Italian', 'Korean', 'Arabic', 'Dutch'],
    state: ['Speaks {v}.', 'The user speaks {v} fluently.', 'User is learning {v}.', 'The user practices {v} with a tutor every week.'],
    change: ['Started learning {v}.', 'The user picked up {v} recently.', 'User signed up for a {v} class.', 'The user has begun studying {v}.'],
    questions: ['What languages does the user speak?', 'Which languages is the user learning?', "user's languages", 'what language classes does the user take?'],
  },
];
