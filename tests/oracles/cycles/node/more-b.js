// A second local module for planted.js "more": requires the first one,
// keeps a cache and exports helpers.
'use strict';
const a = require('./more-a.js');
const util = require('util');
const cache = [];
function remember(x) { cache.push(util.format('%j', x)); return cache.length; }
function describe() { return a.lookup('config') ? 'configured' : 'bare'; }
module.exports = { remember, describe };
