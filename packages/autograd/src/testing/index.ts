export {
  type GradientGoldenOptions,
  type GradientGoldenResult,
  runGradientGoldens,
} from './gradient-goldens.js';
