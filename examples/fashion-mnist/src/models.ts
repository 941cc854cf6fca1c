import { nn } from 'kiln';

/** The models this example trains. */
export type ModelName = 'mlp' | 'cnn';

/**
 * The classic Fashion-MNIST multilayer perceptron: 784 → 256 → 10.
 *
 * @example
 * ```ts
 * const model = mlp();
 * model.forward(randn([2, 1, 28, 28])).shape; // [2, 10]
 * ```
 */
export function mlp(): nn.Sequential {
  return new nn.Sequential(new nn.Flatten(), new nn.Linear(784, 256), new nn.ReLU(), new nn.Linear(256, 10));
}

/**
 * A small convolutional network: two 3×3 conv + ReLU + 2×2 max-pool stages (8 and 16 channels),
 * then a linear classifier on the 16×7×7 features.
 *
 * @example
 * ```ts
 * const model = cnn();
 * model.forward(randn([2, 1, 28, 28])).shape; // [2, 10]
 * ```
 */
export function cnn(): nn.Sequential {
  return new nn.Sequential(
    new nn.Conv2d(1, 8, 3, { padding: 1 }),
    new nn.ReLU(),
    new nn.MaxPool2d(2),
    new nn.Conv2d(8, 16, 3, { padding: 1 }),
    new nn.ReLU(),
    new nn.MaxPool2d(2),
    new nn.Flatten(),
    new nn.Linear(16 * 7 * 7, 10),
  );
}

/**
 * Builds a model by name.
 *
 * @example
 * ```ts
 * const model = createModel('cnn');
 * ```
 */
export function createModel(name: ModelName): nn.Sequential {
  return name === 'cnn' ? cnn() : mlp();
}
