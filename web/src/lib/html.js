// JSX-like templates without a build step: html`<div class=${x}>...</div>` (htm bound to Preact).
export { html } from 'htm/preact';
