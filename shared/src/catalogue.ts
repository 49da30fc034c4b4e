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

/** Garment categories, in the order the app offers them (the first four are the original ones; ids never change). */
export const CATEGORIES = [
  'shoes',
  'dress',
  'hoodie',
  'coat',
  'tshirt',
  'shirt',
  'trousers',
  'skirt',
  'denim',
  'kids',
  'underwear',
  'swimwear',
] as const;
export type Category = (typeof CATEGORIES)[number];
export const CATEGORY_LABELS: Record<Category, string> = {
  shoes: '鞋靴',
  dress: '连衣裙',
  hoodie: '卫衣',
  coat: '外套',
  tshirt: 'T恤',
  shirt: '衬衫',
  trousers: '裤装',
  skirt: '半身裙',
  denim: '牛仔',
  kids: '童装',
  underwear: '内衣',
  swimwear: '泳装',
};

/** A marketplace rule against showing a category on a (real or generated) model, with where it comes from. */
export interface ModelImageRestriction {
  marketplace: string;
  /** what the rule says, in Chinese (shown to the merchant) */
  rule: string;
  source: string;
  /** true when the rule is known from a secondary source (a report, a forum), not the marketplace's own page */
  secondary: boolean;
}

/**
 * Categories that marketplaces forbid, or partly forbid, on-model images for. The desktop warns before a
 * model_pose12 batch of one of them; the server still accepts it (the merchant may sell elsewhere).
 */
export const MODEL_IMAGE_RESTRICTIONS: Partial<Record<Category, readonly ModelImageRestriction[]>> = {
  underwear: [
    {
      marketplace: '淘宝/天猫',
      rule: '丁字裤、透明或半透明内裤、男士内裤、乳贴、网袜等内衣品类不允许真人模特展示',
      source: '淘宝&天猫《内衣行业买家秀发布要求》，上海商报 2023-02-10 转述（internet.benber.com/internet/2023/0210/90903.html）',
      secondary: true,
    },
    {
      marketplace: '亚马逊',
      rule: '儿童内衣不得以模特展示；成人内衣图片不得露出或勾勒私密部位',
      source:
        'Amazon Seller Central 图片问题 · 色情元素（sellercentral-europe.amazon.com/gp/help/external/help.html?itemID=98ZNV6HDKK5NZ8C）',
      secondary: false,
    },
  ],
  swimwear: [
    {
      marketplace: '亚马逊',
      rule: '儿童泳衣不得以模特展示；泳装图片不得露出或勾勒私密部位',
      source:
        'Amazon Seller Central 图片问题 · 色情元素（sellercentral-europe.amazon.com/gp/help/external/help.html?itemID=98ZNV6HDKK5NZ8C）',
      secondary: false,
    },
  ],
};

/** The model a model_pose12 task puts the garment on. */
export const MODELS = ['female', 'male', 'child'] as const;
export type Model = (typeof MODELS)[number];
export const MODEL_LABELS: Record<Model, string> = { female: '女', male: '男', child: '童' };
/** What a model_pose12 task uses when the request names no model. */
export const DEFAULT_MODEL: Model = 'female';
/** The model the app suggests for a category (the merchant may choose another). */
export const suggestedModel = (category: Category | undefined): Model => (category === 'kids' ? 'child' : DEFAULT_MODEL);

/** Input formats accepted for uploads: MIME type → allowed key extensions. */
export const INPUT_FORMATS = {
  'image/jpeg': ['jpg', 'jpeg'],
  'image/png': ['png'],
  'image/webp': ['webp'],
} as const;
export const INPUT_MIME_TYPES = Object.keys(INPUT_FORMATS) as (keyof typeof INPUT_FORMATS)[];
export const INPUT_EXTENSIONS = ['jpg', 'jpeg', 'png', 'webp'] as const;

/** What a result of a task is: the 800×800 white JPEG and the transparent cut-out of basic_clean, a pose of model_pose12. */
export const RESULT_KINDS = ['white', 'cutout', 'pose'] as const;
export type ResultKind = (typeof RESULT_KINDS)[number];

/** Number of images a done model_pose12 task has. */
export const MODEL_POSE_COUNT = 12;
