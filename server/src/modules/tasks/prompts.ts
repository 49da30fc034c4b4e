/** Prompt templates for model_pose12 (the guide's commercial IP): built server-side, never sent to clients. */
import type { Category, Scene } from '@aizhao/shared';

const SCENE_PROMPTS: Record<Scene, string> = {
  street: 'urban street photography, natural lighting',
  studio: 'professional studio photography, clean white background',
  indoor: 'cozy indoor setting, warm lighting',
};

const CATEGORY_PROMPTS: Record<Category, string> = {
  shoes: 'fashion shoes on model',
  dress: 'elegant dress on model',
  hoodie: 'casual hoodie on model',
  coat: 'stylish coat on model',
};

export function buildPrompt(scene: Scene, category: Category): string {
  return [
    `${SCENE_PROMPTS[scene]}, professional fashion photography,`,
    `${CATEGORY_PROMPTS[category]},`,
    '12 different poses and angles:',
    'front view, side view, back view, 3/4 view,',
    'walking, standing, sitting, dynamic poses,',
    'commercial quality, high resolution, 8k',
  ].join('\n');
}

/** A random seed for each generation (31-bit, as ComfyUI seeds go). */
export const randomSeed = (): number => Math.floor(Math.random() * 2147483647);
