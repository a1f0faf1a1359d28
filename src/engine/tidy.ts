/**
 * tf.tidy with the result's own type. tf.tidy keeps every tensor reachable from the returned
 * value through arrays and plain objects (not Maps or Sets!) and disposes the rest; its declared type forgets the shape
 * of the result, which this wrapper restores.
 */
import * as tf from '@tensorflow/tfjs-core';

export function tidy<T>(fn: () => T): T {
  return tf.tidy(fn as () => tf.TensorContainer) as T;
}
