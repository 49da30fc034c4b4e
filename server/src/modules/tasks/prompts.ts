/** Prompt templates for model_pose12 (the guide's commercial IP): built server-side, never sent to clients. */
import { DEFAULT_MODEL, type Category, type Model, type Scene } from '@aizhao/shared';

const SCENE_PROMPTS: Record<Scene, string> = {
  street: 'urban street photography, natural lighting',
  studio: 'professional studio photography, clean white background',
  indoor: 'cozy indoor setting, warm lighting',
};

/** The garment, as worn; `{model}` is replaced by the model's words. */
const CATEGORY_PROMPTS: Record<Category, string> = {
  shoes: 'fashion shoes worn by {model}',
  dress: 'elegant dress on {model}',
  hoodie: 'casual hoodie on {model}',
  coat: 'stylish coat on {model}',
  tshirt: 'casual t-shirt on {model}',
  shirt: 'well-fitted shirt on {model}',
  trousers: 'tailored trousers on {model}',
  skirt: 'skirt on {model}, full length of the skirt visible',
  denim: 'denim clothing on {model}, true denim colour and texture',
  kids: "children's clothing on {model}",
  underwear: 'underwear on {model}, tasteful catalogue style, modest pose, non-revealing',
  swimwear: 'swimwear on {model}, tasteful catalogue style, modest pose, non-revealing',
};

const MODEL_PROMPTS: Record<Model, string> = {
  female: 'a female fashion model',
  male: 'a male fashion model',
  child: 'a child model, age-appropriate natural pose',
};

/** Poses: a child model gets playful, natural ones instead of catwalk poses. */
const POSE_PROMPTS: Record<Model, string> = {
  female: 'walking, standing, sitting, dynamic poses,',
  male: 'walking, standing, sitting, dynamic poses,',
  child: 'standing, walking, playing, sitting, natural cheerful poses,',
};

export function buildPrompt(scene: Scene, category: Category, model: Model = DEFAULT_MODEL): string {
  return [
    `${SCENE_PROMPTS[scene]}, professional fashion photography,`,
    `${CATEGORY_PROMPTS[category].replace('{model}', MODEL_PROMPTS[model])},`,
    '12 different poses and angles:',
    'front view, side view, back view, 3/4 view,',
    POSE_PROMPTS[model],
    'commercial quality, high resolution, 8k',
  ].join('\n');
}

/** A random seed for each generation (31-bit, as ComfyUI seeds go). */
export const randomSeed = (): number => Math.floor(Math.random() * 2147483647);
