/** Task types, scenes and categories. Labels are shown to merchants. */
export const TASK_TYPES = ['basic_clean', 'model_pose12'] as const;
export type TaskType = (typeof TASK_TYPES)[number];

export const TASK_TYPE_LABELS: Record<TaskType, string> = {
  basic_clean: '基础修图（白底主图）',
  model_pose12: 'AI模特12图',
};

export const SCENES = ['street', 'studio', 'indoor'] as const;
export type Scene = (typeof SCENES)[number];
export const SCENE_LABELS: Record<Scene, string> = { street: '街拍', studio: '影棚', indoor: '室内' };

export const CATEGORIES = ['shoes', 'dress', 'hoodie', 'coat'] as const;
export type Category = (typeof CATEGORIES)[number];
export const CATEGORY_LABELS: Record<Category, string> = {
  shoes: '鞋靴',
  dress: '连衣裙',
  hoodie: '卫衣',
  coat: '外套',
};

/** Input formats accepted for uploads: MIME type → allowed key extensions. */
export const INPUT_FORMATS = {
  'image/jpeg': ['jpg', 'jpeg'],
  'image/png': ['png'],
  'image/webp': ['webp'],
} as const;
export const INPUT_MIME_TYPES = Object.keys(INPUT_FORMATS) as (keyof typeof INPUT_FORMATS)[];
export const INPUT_EXTENSIONS = ['jpg', 'jpeg', 'png', 'webp'] as const;

/** Number of images a done model_pose12 task has. */
export const MODEL_POSE_COUNT = 12;
