// A local module loaded by planted.js "more": module-level state and
// functions that call each other, a class, an event emitter, a table of its
// own functions; no cycle of the program's own.
'use strict';
const { EventEmitter } = require('events');
const path = require('path');
const registry = new Map();
let counter = 0;
function register(name, value) { registry.set(name, { value, at: ++counter }); return lookup(name); }
function lookup(name) { const e = registry.get(name); return e && e.value; }
class Config {
  constructor(file) { this.file = path.basename(file); this.values = {}; }
  get(key) { return this.values[key] === undefined ? lookup(key) : this.values[key]; }
}
// a module-level table of module-level functions: a cycle through the
// module's scope, which is an anchor (a module's "statics")
const routes = new Map();
function index() { return routes.size; }
routes.set('/', index);
const bus = new EventEmitter();
function start() { register('config', new Config(__filename)); bus.emit('started', counter); }
module.exports = { register, lookup, Config, start, bus };
