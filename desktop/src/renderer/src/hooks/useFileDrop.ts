import { useEffect } from 'react';
import { api } from '../services/api';
import { addPaths } from '../store/actions';
import { setDragActive } from '../store/app-store';

const carriesFiles = (e: DragEvent) => e.dataTransfer?.types.includes('Files') ?? false;

/** The local paths of the dropped files and folders (a file without a path, e.g. from a web page, is left out). */
export function droppedPaths(files: FileList | null | undefined): string[] {
  return Array.from(files ?? [])
    .map((f) => api.pathForFile(f))
    .filter((p) => p !== '');
}

/**
 * The whole window takes dropped images and folders: the browser's default (navigating to the file) is prevented
 * everywhere, and a drop adds the files to the draft. While `enabled` is false drops are only swallowed.
 */
export function useFileDrop(enabled: boolean): void {
  useEffect(() => {
    let depth = 0;
    const onEnter = (e: DragEvent) => {
      e.preventDefault();
      if (!enabled || !carriesFiles(e)) return;
      depth += 1;
      setDragActive(true);
    };
    const onLeave = (e: DragEvent) => {
      e.preventDefault();
      depth = Math.max(0, depth - 1);
      if (depth === 0) setDragActive(false);
    };
    const onOver = (e: DragEvent) => {
      e.preventDefault();
      if (e.dataTransfer) e.dataTransfer.dropEffect = enabled ? 'copy' : 'none';
    };
    const onDrop = (e: DragEvent) => {
      e.preventDefault();
      depth = 0;
      setDragActive(false);
      if (enabled) void addPaths(droppedPaths(e.dataTransfer?.files));
    };
    window.addEventListener('dragenter', onEnter);
    window.addEventListener('dragleave', onLeave);
    window.addEventListener('dragover', onOver);
    window.addEventListener('drop', onDrop);
    return () => {
      window.removeEventListener('dragenter', onEnter);
      window.removeEventListener('dragleave', onLeave);
      window.removeEventListener('dragover', onOver);
      window.removeEventListener('drop', onDrop);
    };
  }, [enabled]);
}
