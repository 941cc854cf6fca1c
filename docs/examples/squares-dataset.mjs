// A map-style data set that worker threads can load: plain JavaScript, so a worker imports it
// without a TypeScript loader. Each worker builds its own copy from the constructor arguments.
export class Squares {
  constructor(n) {
    this.n = n;
  }

  get length() {
    return this.n;
  }

  get(i) {
    // Pretend this is expensive: decoding an image, parsing a line of text …
    return [new Float32Array([i, i * i]), i % 2];
  }
}
