import { config } from 'zod/mini';
import en from 'zod/v4/locales/en.js';

/**
 * The one schema library of src/: zod's mini build, with zod's English messages. Every module that
 * validates data imports it from here (`import * as z from '../validation'`), so the messages are set
 * before any schema is used.
 *
 * The mini build because classic zod, loaded, added ~8 MiB to the product's resident memory from its
 * start (all its locales and its methods), against nothing measurable for the mini build's functions: the
 * same validation core, with checks written as functions (`z.string().check(z.minLength(1))`) instead of
 * methods (docs/bench.md, levers of issue 17). Import only through a namespace used by member (never
 * pass `z` itself around): that is what lets the bundler leave out the parts that are not used.
 */
config(en());

export * from 'zod/mini';
