// Types of source-stamp.js for the TypeScript that imports it (tests, the bench).
export declare const DIST_DIR: string;
export declare const STAMP_FILE: string;
export declare function sourceStamp(root: string): { files: number; digest: string };
export declare function distIsFresh(root: string): boolean;
