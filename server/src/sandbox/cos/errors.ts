/** A COS error answer (status + COS error code), rendered as `<Error>` XML by the router. */
export class CosError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'CosError';
  }
}

export const accessDenied = (message = 'Access Denied.'): CosError => new CosError(403, 'AccessDenied', message);
export const noSuchKey = (): CosError => new CosError(404, 'NoSuchKey', 'The specified key does not exist.');
export const noSuchUpload = (): CosError => new CosError(404, 'NoSuchUpload', 'The specified multipart upload does not exist.');
export const invalidArgument = (message: string): CosError => new CosError(400, 'InvalidArgument', message);
export const notImplemented = (): CosError =>
  new CosError(501, 'NotImplemented', 'The sandbox COS emulator does not implement this operation.');
