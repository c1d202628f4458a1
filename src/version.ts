export const VERSION: string =
  typeof __AVIMARK_BACKUP_VERSION__ === 'string' ? __AVIMARK_BACKUP_VERSION__ : '0.0.0-dev';
