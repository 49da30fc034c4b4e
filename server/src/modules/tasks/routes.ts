import { Router } from 'express';
import { createTaskRequest, idSchema, listTasksQuery } from '@aizhao/shared';
import type { AppContext } from '../../context.js';
import { parse, route } from '../../http/middleware.js';
import { AppError } from '../../lib/errors.js';
import { requireUser } from '../auth/middleware.js';
import { createTask, getTask, listTasks } from './service.js';

export function taskRoutes(ctx: AppContext): Router {
  const r = Router();
  const auth = requireUser(ctx);
  r.post(
    '/task/create',
    auth,
    route(async (req, res) => {
      const input = parse(createTaskRequest, req.body);
      const { created, task, quotaRemaining } = await createTask(ctx, req.userId!, input);
      res.status(created ? 201 : 200).json({ task, quotaRemaining });
    }),
  );
  r.get(
    '/task/:taskId',
    auth,
    route(async (req, res) => {
      const id = idSchema.safeParse(req.params.taskId);
      if (!id.success) throw new AppError('NOT_FOUND', '任务不存在');
      res.json({ task: await getTask(ctx, req.userId!, id.data) });
    }),
  );
  r.get(
    '/tasks',
    auth,
    route(async (req, res) => {
      res.json(await listTasks(ctx, req.userId!, parse(listTasksQuery, req.query)));
    }),
  );
  return r;
}
