export { nnGoldenOps } from './golden-ops.js';
