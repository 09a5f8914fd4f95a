// The module memopt imports in place of '@huggingface/transformers' when MEMOPT_TRANSFORMERS_MODULE names this file:
// a bare import from here resolves in this folder's own node_modules (see README.md).
export * from '@huggingface/transformers';
