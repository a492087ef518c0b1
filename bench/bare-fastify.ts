/**
 * The yardstick for the credentials benchmark: Fastify with nothing of Laurel's (no plugins, no
 * logging, no database), answering a JSON GET and a JSON POST. Measured in the same run as Laurel, it
 * shows what the machine and the load generator allow at that moment.
 */
import Fastify from 'fastify';

const app = Fastify({ logger: false, bodyLimit: 2 * 1024 * 1024 });
app.get('/bare/', async () => ({ count: 0, next: null, previous: null, results: [] }));
app.post('/bare/', async (request, reply) => reply.status(201).send(request.body));
const address = await app.listen({ host: '127.0.0.1', port: 0 });
console.log(`Server listening at ${address}`);
process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
