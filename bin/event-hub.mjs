#!/usr/bin/env node
// The `event-hub` command: runs src/cli/main.ts through tsx, as `npm start` runs the hub.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
