// Loaded with `node --import tsx --import ./test/tfjs-guard.mjs` by test/layers.test.ts: any attempt to resolve a
// @tensorflow/* package — by an ESM import (a resolve hook) or a CommonJS require (Module._resolveFilename) — throws
// an error naming the package and the importing file, so a module that loads tfjs cannot be imported at all.
import Module, { register } from 'node:module';

const hook = `
export async function resolve(specifier, context, next) {
  if (specifier.startsWith('@tensorflow/')) throw new Error('tfjs loaded: ' + specifier + ' from ' + context.parentURL);
  return next(specifier, context);
}`;
register('data:text/javascript,' + encodeURIComponent(hook));

const original = Module._resolveFilename;
Module._resolveFilename = function (request, parent, ...rest) {
  if (typeof request === 'string' && request.startsWith('@tensorflow/')) throw new Error(`tfjs loaded: ${request} from ${parent?.filename}`);
  return original.call(this, request, parent, ...rest);
};
