/**
 * Recordings in an R2 bucket (the Worker's `RECORDINGS` binding). The final file is one multipart upload
 * whose parts `PartCutter` cuts at exactly 5 MiB, as R2 requires, from the chunk objects in order.
 */
import {
  chunkKey,
  fileKey,
  infoKey,
  PartCutter,
  type ByteRange,
  type FinalWriter,
  type RecordingStore,
  type StoredFile,
  type StoredRecording,
} from './recording-store.ts';

// ---- the few R2 types we use (kept local, as worker.ts does) ------------------------------------------
interface R2Object {
  key: string;
  size: number;
}
interface R2ObjectBody extends R2Object {
  body: ReadableStream<Uint8Array>;
  arrayBuffer(): Promise<ArrayBuffer>;
  text(): Promise<string>;
}
interface R2UploadedPart {
  partNumber: number;
  etag: string;
}
interface R2MultipartUpload {
  uploadPart(partNumber: number, value: Uint8Array): Promise<R2UploadedPart>;
  complete(parts: R2UploadedPart[]): Promise<R2Object>;
  abort(): Promise<void>;
}
export interface R2Bucket {
  put(key: string, value: Uint8Array | string): Promise<R2Object | null>;
  get(key: string, options?: { range?: { offset: number; length: number } }): Promise<R2ObjectBody | null>;
  head(key: string): Promise<R2Object | null>;
  list(options: {
    prefix?: string;
    cursor?: string;
    delimiter?: string;
  }): Promise<{ objects: R2Object[]; truncated: boolean; cursor?: string; delimitedPrefixes?: string[] }>;
  delete(keys: string | string[]): Promise<void>;
  createMultipartUpload(key: string): Promise<R2MultipartUpload>;
}

export class R2RecordingStore implements RecordingStore {
  constructor(private readonly bucket: R2Bucket) {}

  async putInfo(info: StoredRecording): Promise<void> {
    await this.bucket.put(infoKey(info.room, info.id), JSON.stringify(info));
  }

  async getInfo(room: string, id: string): Promise<StoredRecording | undefined> {
    const object = await this.bucket.get(infoKey(room, id));
    return object ? (JSON.parse(await object.text()) as StoredRecording) : undefined;
  }

  async listInfos(room: string): Promise<StoredRecording[]> {
    const keys: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.bucket.list({ prefix: `${room}/`, ...(cursor ? { cursor } : {}) });
      // Chunk objects sit one level deeper; only `{room}/{id}.json` are infos.
      for (const o of page.objects) if (/^[^/]+\/[^/]+\.json$/.test(o.key)) keys.push(o.key);
      cursor = page.truncated ? page.cursor : undefined;
    } while (cursor);
    const infos = await Promise.all(
      keys.map(async (key) => {
        const object = await this.bucket.get(key);
        return object ? (JSON.parse(await object.text()) as StoredRecording) : undefined;
      }),
    );
    return infos.filter((i): i is StoredRecording => i !== undefined);
  }

  async rooms(): Promise<string[]> {
    const rooms: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.bucket.list({ delimiter: '/', ...(cursor ? { cursor } : {}) });
      for (const prefix of page.delimitedPrefixes ?? []) rooms.push(prefix.slice(0, -1));
      cursor = page.truncated ? page.cursor : undefined;
    } while (cursor);
    return rooms;
  }

  async putChunk(room: string, id: string, seq: number, bytes: Uint8Array): Promise<void> {
    await this.bucket.put(chunkKey(room, id, seq), bytes);
  }

  async getChunk(room: string, id: string, seq: number): Promise<Uint8Array | undefined> {
    const object = await this.bucket.get(chunkKey(room, id, seq));
    return object ? new Uint8Array(await object.arrayBuffer()) : undefined;
  }

  async deleteChunks(room: string, id: string, count: number): Promise<void> {
    const keys = Array.from({ length: count }, (_, seq) => chunkKey(room, id, seq));
    // R2 deletes at most 1000 keys per call.
    for (let i = 0; i < keys.length; i += 1000) await this.bucket.delete(keys.slice(i, i + 1000));
  }

  async writeFile(room: string, id: string): Promise<FinalWriter> {
    const upload = await this.bucket.createMultipartUpload(fileKey(room, id));
    const parts: R2UploadedPart[] = [];
    const cutter = new PartCutter(async (n, bytes) => {
      parts.push(await upload.uploadPart(n, bytes));
    });
    return {
      write: (bytes) => cutter.write(bytes),
      close: async () => {
        const size = await cutter.finish();
        await upload.complete(parts);
        return size;
      },
      abort: () => upload.abort(),
    };
  }

  async fileSize(room: string, id: string): Promise<number | undefined> {
    return (await this.bucket.head(fileKey(room, id)))?.size;
  }

  async readFile(room: string, id: string, range?: ByteRange): Promise<StoredFile | undefined> {
    const key = fileKey(room, id);
    const head = await this.bucket.head(key);
    if (!head) return undefined;
    const object = await this.bucket.get(key, range ? { range } : {});
    return object ? { size: head.size, body: object.body } : undefined;
  }

  async deleteRecording(room: string, id: string, chunks: number): Promise<void> {
    await this.deleteChunks(room, id, chunks);
    await this.bucket.delete([fileKey(room, id), infoKey(room, id)]);
  }
}
