// Why a file could not be read, as an error message says it (Node's codes in words; else its message).
const WHY: Record<string, string> = {
  ENOENT: 'no such file',
  EISDIR: 'it is a directory',
  EACCES: 'permission denied',
  Z_BUF_ERROR: 'the gzip data ends early (the file is cut short)',
  Z_DATA_ERROR: 'not gzip data (the name ends in .gz)',
};

export function whyUnreadable(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  return (err.code !== undefined && WHY[err.code]) || err.message;
}
