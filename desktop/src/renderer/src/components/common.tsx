/** Small building blocks shared by the screens. */
import type { ReactNode } from 'react';
import { useThumbnail } from '../hooks/useThumbnail';
import type { Tone } from '../logic/stages';
import { ImageIcon } from './icons';

export function Spinner({ label }: { label?: string }) {
  return (
    <span className="spinner-wrap" role="status">
      <span className="spinner" aria-hidden="true" />
      {label ? <span>{label}</span> : null}
    </span>
  );
}

export function Badge({ tone, children }: { tone: Tone | 'neutral'; children: ReactNode }) {
  return <span className={`badge badge--${tone}`}>{children}</span>;
}

/** A progress bar (a native <progress>, styled in CSS: no inline styles under the CSP). */
export function ProgressBar({ value, tone = 'accent', label }: { value: number; tone?: 'accent' | 'info' | 'success'; label: string }) {
  return <progress className={`bar bar--${tone}`} value={Math.round(value * 1000)} max={1000} aria-label={label} />;
}

/** A local image's thumbnail, a placeholder while it loads or when there is none. */
export function Thumbnail({ path, size = 'md', alt }: { path: string | null | undefined; size?: 'md' | 'lg'; alt: string }) {
  const url = useThumbnail(path);
  return <span className={`thumb thumb--${size}`}>{url ? <img src={url} alt={alt} draggable={false} /> : <ImageIcon size={22} />}</span>;
}

export function EmptyState({ icon, title, children }: { icon: ReactNode; title: string; children?: ReactNode }) {
  return (
    <div className="empty">
      <div className="empty__icon">{icon}</div>
      <div className="empty__title">{title}</div>
      {children ? <div className="empty__text">{children}</div> : null}
    </div>
  );
}
