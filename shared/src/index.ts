export * from './catalogue.js';
export * from './errors.js';
export * from './api.js';
export * from './admin.js';
export * from './version.js';
