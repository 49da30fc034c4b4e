/** PUT/GET/HEAD/DELETE object and the multipart-upload operations. */
import { CosError, invalidArgument, noSuchKey, noSuchUpload } from './errors.js';
import type { ObjectMeta } from './object-store.js';
import type { CosOperation } from './operations.js';
import { header } from './request.js';
import { sendXml, type HandlerContext } from './respond.js';
import { parseCompleteParts, toXml } from './xml.js';

/** COS rejects parts below 1 MB except the last one. */
export const MIN_PART_BYTES = 1024 * 1024;
export const MAX_PART_NUMBER = 10000;
const OWNER = { ID: 'qcs::cam::uin/100000000001:uin/100000000001', DisplayName: '100000000001' };

/** GetObject's `response-*` parameters and the headers they override (COS GetObject request parameters). */
const RESPONSE_OVERRIDES: Record<string, string> = {
  'response-content-type': 'Content-Type',
  'response-content-language': 'Content-Language',
  'response-expires': 'Expires',
  'response-cache-control': 'Cache-Control',
  'response-content-disposition': 'Content-Disposition',
  'response-content-encoding': 'Content-Encoding',
};

/**
 * The emulator serves objects from the server's own origin (real COS serves them from the bucket's): every object
 * answer is an inert download there (attachment, nosniff, a sandboxing CSP), so that an uploaded HTML or script is
 * never run as the admin's page, whatever Content-Type it was uploaded with.
 */
const SANDBOX_OBJECT_SAFETY = {
  'Content-Disposition': 'attachment',
  'X-Content-Type-Options': 'nosniff',
  'Content-Security-Policy': "sandbox; default-src 'none'",
};

function objectHeaders(c: HandlerContext, meta: ObjectMeta): void {
  c.res.set({
    'Content-Type': meta.contentType,
    ETag: meta.etag,
    'Last-Modified': new Date(meta.lastModified).toUTCString(),
    'Accept-Ranges': 'bytes',
    ...SANDBOX_OBJECT_SAFETY,
  });
  for (const [param, name] of Object.entries(RESPONSE_OVERRIDES)) {
    const v = c.r.params.get(param);
    if (v) c.res.set(name, v);
  }
}

/** [start, end] inclusive of a `bytes=` range; null when there is none; throws InvalidRange when unsatisfiable. */
function parseRange(value: string | undefined, size: number): [number, number] | null {
  if (!value) return null;
  const m = /^bytes=(\d*)-(\d*)$/.exec(value.trim());
  if (!m || (m[1] === '' && m[2] === '')) return null; // malformed ranges are ignored, as HTTP says
  let start: number;
  let end: number;
  if (m[1] === '') {
    start = Math.max(0, size - Number(m[2]));
    end = size - 1;
  } else {
    start = Number(m[1]);
    end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  }
  if (start >= size || start > end) throw new CosError(416, 'InvalidRange', 'The requested range is not satisfiable.');
  return [start, end];
}

function getObject(c: HandlerContext, headOnly: boolean): void {
  const meta = c.store.head(c.r.key);
  if (!meta) throw noSuchKey();
  objectHeaders(c, meta);
  const range = parseRange(header(c.r, 'range'), meta.size);
  if (headOnly) {
    c.res.set('Content-Length', String(meta.size)).status(200).end();
    return;
  }
  if (range) {
    // only the range is read (the input check asks for the first 512 KB of photos of several MB)
    c.res.set('Content-Range', `bytes ${range[0]}-${range[1]}/${meta.size}`);
    c.res.status(206).send(c.store.readRange(c.r.key, range[0], range[1]) ?? Buffer.alloc(0));
  } else {
    c.res.status(200).send(c.store.read(c.r.key) ?? Buffer.alloc(0));
  }
}

const contentTypeOf = (c: HandlerContext): string => header(c.r, 'content-type') ?? 'application/octet-stream';

function uploadOf(c: HandlerContext): { uploadId: string; upload: NonNullable<ReturnType<HandlerContext['store']['upload']>> } {
  const uploadId = c.r.params.get('uploadid') ?? '';
  const upload = c.store.upload(uploadId, c.r.key);
  if (!upload) throw noSuchUpload();
  return { uploadId, upload };
}

function partNumberOf(c: HandlerContext): number {
  const n = Number(c.r.params.get('partnumber'));
  if (!Number.isInteger(n) || n < 1 || n > MAX_PART_NUMBER) throw invalidArgument('Part number must be an integer between 1 and 10000.');
  return n;
}

function completeUpload(c: HandlerContext): void {
  const { uploadId, upload } = uploadOf(c);
  const parts = parseCompleteParts(c.r.body.toString('utf8'));
  if (!parts || parts.length === 0) throw new CosError(400, 'MalformedXML', 'The XML you provided was not well-formed.');
  parts.forEach((p, i) => {
    const prev = parts[i - 1];
    if (prev && prev.partNumber >= p.partNumber)
      throw new CosError(400, 'InvalidPartOrder', 'The list of parts was not in ascending order.');
    const stored = upload.parts[String(p.partNumber)];
    if (!stored || stored.etag.replace(/"/g, '') !== p.etag.replace(/"/g, '')) {
      throw new CosError(400, 'InvalidPart', `Part ${p.partNumber} could not be found or its ETag does not match.`);
    }
    if (i < parts.length - 1 && stored.size < MIN_PART_BYTES) {
      throw new CosError(400, 'EntityTooSmall', 'Your proposed upload is smaller than the minimum allowed object size.');
    }
  });
  const meta = c.store.complete(
    uploadId,
    parts.map((p) => p.partNumber),
  );
  sendXml(
    c.res,
    200,
    toXml('CompleteMultipartUploadResult', { Location: c.location(c.r.key), Bucket: c.bucket, Key: c.r.key, ETag: meta.etag }),
  );
}

function listParts(c: HandlerContext): void {
  const { uploadId, upload } = uploadOf(c);
  const parts = Object.entries(upload.parts)
    .map(([n, p]) => ({ PartNumber: Number(n), LastModified: p.lastModified, ETag: p.etag, Size: p.size }))
    .sort((a, b) => a.PartNumber - b.PartNumber);
  sendXml(
    c.res,
    200,
    toXml('ListPartsResult', {
      Bucket: c.bucket,
      'Encoding-type': '',
      Key: c.r.key,
      UploadId: uploadId,
      Initiator: OWNER,
      Owner: OWNER,
      PartNumberMarker: 0,
      Part: parts,
      NextPartNumberMarker: parts.at(-1)?.PartNumber ?? 0,
      StorageClass: 'STANDARD',
      MaxParts: MAX_PART_NUMBER,
      IsTruncated: 'false',
    }),
  );
}

function listUploads(c: HandlerContext): void {
  const prefix = c.r.params.get('prefix') ?? '';
  const uploads = c.store.listUploads(prefix).map(({ uploadId, meta }) => ({
    Key: meta.key,
    UploadId: uploadId,
    StorageClass: 'STANDARD',
    Initiator: OWNER,
    Owner: OWNER,
    Initiated: meta.initiated,
  }));
  sendXml(
    c.res,
    200,
    toXml('ListMultipartUploadsResult', {
      Bucket: c.bucket,
      'Encoding-Type': '',
      KeyMarker: '',
      UploadIdMarker: '',
      NextKeyMarker: '',
      NextUploadIdMarker: '',
      MaxUploads: 1000,
      IsTruncated: 'false',
      Prefix: prefix,
      Upload: uploads,
    }),
  );
}

/** Runs one object or multipart operation. */
export function handleObjectOperation(op: CosOperation, c: HandlerContext): void {
  const { r, res } = c;
  switch (op) {
    case 'name/cos:PutObject': {
      const meta = c.store.put(r.key, r.body, contentTypeOf(c));
      res.set('ETag', meta.etag).status(200).end();
      return;
    }
    case 'name/cos:GetObject':
      return getObject(c, false);
    case 'name/cos:HeadObject':
      return getObject(c, true);
    case 'name/cos:DeleteObject':
      c.store.delete(r.key);
      res.status(204).end();
      return;
    case 'name/cos:InitiateMultipartUpload': {
      const uploadId = c.store.initUpload(r.key, contentTypeOf(c));
      sendXml(res, 200, toXml('InitiateMultipartUploadResult', { Bucket: c.bucket, Key: r.key, UploadId: uploadId }));
      return;
    }
    case 'name/cos:UploadPart': {
      const { uploadId } = uploadOf(c);
      const part = c.store.putPart(uploadId, partNumberOf(c), r.body);
      res.set('ETag', part.etag).status(200).end();
      return;
    }
    case 'name/cos:ListParts':
      return listParts(c);
    case 'name/cos:ListMultipartUploads':
      return listUploads(c);
    case 'name/cos:CompleteMultipartUpload':
      return completeUpload(c);
    case 'name/cos:AbortMultipartUpload':
      c.store.abort(uploadOf(c).uploadId);
      res.status(204).end();
      return;
    default:
      throw new Error(`not an object operation: ${op}`);
  }
}
