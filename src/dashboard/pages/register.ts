// Every signed-in page and action, plus the live view's event stream.
import type { FastifyInstance } from 'fastify';
import type { DashboardContext } from '../context.ts';
import { registerAppointments } from './appointments.ts';
import { registerConversations } from './conversations.ts';
import { registerCustomers } from './customers.ts';
import { registerKnowledge } from './knowledge.ts';
import { registerMessages } from './messages.ts';
import { registerSettings } from './settings.ts';
import { registerToday } from './today.ts';
import { registerTryIt } from './try-it.ts';

export async function registerPages(app: FastifyInstance, context: DashboardContext): Promise<void> {
  registerToday(app, context);
  registerConversations(app, context);
  registerMessages(app, context);
  registerCustomers(app, context);
  registerAppointments(app, context);
  await registerKnowledge(app, context);
  registerSettings(app, context);
  registerTryIt(app, context);
  app.get('/dashboard/live', async (request, reply) => {
    // The stream outlives this handler: Fastify leaves the response to the hub.
    reply.hijack();
    context.live.stream(reply.raw);
  });
}
