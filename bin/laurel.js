#!/usr/bin/env node
// The `laurel` command. Run it through npm (`npx laurel …`) so the project's pinned Node.js runs it.
import '../src/cli.ts';
