/** A local image's preview at a given size (made by the main process), a placeholder while it loads. */
import type { PreviewSize } from '../../../../shared/contract';
import { useThumbnail } from '../../hooks/useThumbnail';
import { ImageIcon } from '../icons';

export function Preview({ path, size, alt, testId }: { path: string | null | undefined; size: PreviewSize; alt: string; testId?: string }) {
  const url = useThumbnail(path, size);
  // the detail view shows the grid preview (cached) until the large one has arrived
  const fallback = useThumbnail(size === 'detail' ? path : null, 'grid');
  const src = url ?? fallback;
  return src ? (
    <img className="preview" src={src} alt={alt} draggable={false} data-testid={testId} data-size={url ? size : 'grid'} />
  ) : (
    <span className="preview preview--empty" data-testid={testId ? `${testId}-loading` : undefined}>
      <ImageIcon size={28} />
    </span>
  );
}
