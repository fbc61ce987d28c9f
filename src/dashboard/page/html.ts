import htm from 'htm';
import { h } from 'preact';

/**
 * Tagged templates for preact. Every value is placed as a text node or an attribute, never
 * parsed as markup: names, outputs and errors from manifests and tasks are shown as text.
 * (No file of the page sets HTML from a string: test/server/dashboard-routes.test.ts checks.)
 */
export const html = htm.bind(h);
