/** Which COS / CI operation a request is, named by its CAM action (as STS policies name them). */
import { notImplemented } from './errors.js';
import type { CosRequest } from './request.js';

export type CosOperation =
  | 'name/cos:PutObject'
  | 'name/cos:GetObject'
  | 'name/cos:HeadObject'
  | 'name/cos:DeleteObject'
  | 'name/cos:InitiateMultipartUpload'
  | 'name/cos:ListMultipartUploads'
  | 'name/cos:ListParts'
  | 'name/cos:UploadPart'
  | 'name/cos:CompleteMultipartUpload'
  | 'name/cos:AbortMultipartUpload'
  | 'name/ci:ImageProcess'
  | 'name/ci:SensitiveContentRecognition';

/** Throws NotImplemented for anything the emulator does not do. */
export function classify(r: CosRequest): CosOperation {
  const has = (p: string): boolean => r.params.has(p);
  if (r.key === '') {
    if (r.method === 'GET' && has('uploads')) return 'name/cos:ListMultipartUploads';
    throw notImplemented();
  }
  switch (r.method) {
    case 'PUT':
      if (has('partnumber') && has('uploadid')) return 'name/cos:UploadPart';
      // copy and upload-time CI processing (Pic-Operations on PUT) are not emulated: refuse rather than ignore them
      if (r.params.size === 0 && r.headers['x-cos-copy-source'] === undefined && r.headers['pic-operations'] === undefined) {
        return 'name/cos:PutObject';
      }
      break;
    case 'POST':
      if (has('uploads')) return 'name/cos:InitiateMultipartUpload';
      if (has('uploadid')) return 'name/cos:CompleteMultipartUpload';
      if (has('image_process')) return 'name/ci:ImageProcess';
      break;
    case 'GET':
      if (has('uploadid')) return 'name/cos:ListParts';
      if (has('ci-process')) {
        if (r.params.get('ci-process') === 'sensitive-content-recognition') return 'name/ci:SensitiveContentRecognition';
        break;
      }
      return 'name/cos:GetObject';
    case 'HEAD':
      return 'name/cos:HeadObject';
    case 'DELETE':
      return has('uploadid') ? 'name/cos:AbortMultipartUpload' : 'name/cos:DeleteObject';
  }
  throw notImplemented();
}
