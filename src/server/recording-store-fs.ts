/** Recordings in a local directory (Node's default: `RECORDINGS_DIR`, else `recordings` in the data directory). */
import { createReadStream } from 'node:fs';
import { mkdir, open, readFile, readdir, rename, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import {
  chunkKey,
  fileKey,
  infoKey,
  type ByteRange,
  type FinalWriter,
  type RecordingStore,
  type StoredFile,
  type StoredRecording,
} from './recording-store.ts';

export class FileRecordingStore implements RecordingStore {
  constructor(private readonly dir: string) {}

  #path(key: string): string {
    return join(this.dir, key);
  }

  /** Written to a temporary name and renamed: a crash leaves the old file or the new one, never half of one. */
  async #putAtomic(key: string, bytes: Uint8Array | string): Promise<void> {
    const path = this.#path(key);
    await mkdir(dirname(path), { recursive: true });
    const tmp = `${path}.${process.pid}.${crypto.randomUUID()}.tmp`;
    const handle = await open(tmp, 'w');
    try {
      await handle.writeFile(bytes);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tmp, path);
  }

  putInfo(info: StoredRecording): Promise<void> {
    return this.#putAtomic(infoKey(info.room, info.id), JSON.stringify(info));
  }

  async getInfo(room: string, id: string): Promise<StoredRecording | undefined> {
    const text = await readFile(this.#path(infoKey(room, id)), 'utf8').catch(() => undefined);
    return text === undefined ? undefined : (JSON.parse(text) as StoredRecording);
  }

  async listInfos(room: string): Promise<StoredRecording[]> {
    const names = await readdir(this.#path(room)).catch(() => [] as string[]);
    const infos = await Promise.all(
      names.filter((n) => n.endsWith('.json')).map((n) => this.getInfo(room, n.slice(0, -'.json'.length))),
    );
    return infos.filter((i): i is StoredRecording => i !== undefined);
  }

  async rooms(): Promise<string[]> {
    const entries = await readdir(this.dir, { withFileTypes: true }).catch(() => []);
    return entries.filter((e) => e.isDirectory()).map((e) => e.name);
  }

  putChunk(room: string, id: string, seq: number, bytes: Uint8Array): Promise<void> {
    return this.#putAtomic(chunkKey(room, id, seq), bytes);
  }

  async getChunk(room: string, id: string, seq: number): Promise<Uint8Array | undefined> {
    const bytes = await readFile(this.#path(chunkKey(room, id, seq))).catch(() => undefined);
    return bytes ? new Uint8Array(bytes) : undefined;
  }

  async deleteChunks(room: string, id: string): Promise<void> {
    await rm(this.#path(`${room}/${id}.chunks`), { recursive: true, force: true });
  }

  async writeFile(room: string, id: string): Promise<FinalWriter> {
    const path = this.#path(fileKey(room, id));
    await mkdir(dirname(path), { recursive: true });
    const tmp = `${path}.${process.pid}.tmp`;
    const handle = await open(tmp, 'w');
    let size = 0;
    return {
      write: async (bytes) => {
        await handle.write(bytes);
        size += bytes.byteLength;
      },
      close: async () => {
        await handle.sync();
        await handle.close();
        await rename(tmp, path);
        return size;
      },
      abort: async () => {
        await handle.close().catch(() => undefined);
        await rm(tmp, { force: true });
      },
    };
  }

  async fileSize(room: string, id: string): Promise<number | undefined> {
    const info = await stat(this.#path(fileKey(room, id))).catch(() => undefined);
    return info?.isFile() ? info.size : undefined;
  }

  async readFile(room: string, id: string, range?: ByteRange): Promise<StoredFile | undefined> {
    const path = this.#path(fileKey(room, id));
    const info = await stat(path).catch(() => undefined);
    if (!info?.isFile()) return undefined;
    const options = range ? { start: range.offset, end: range.offset + range.length - 1 } : {};
    const body = Readable.toWeb(createReadStream(path, options)) as ReadableStream<Uint8Array>;
    return { size: info.size, body };
  }

  async deleteRecording(room: string, id: string): Promise<void> {
    await this.deleteChunks(room, id);
    await rm(this.#path(fileKey(room, id)), { force: true });
    await rm(this.#path(infoKey(room, id)), { force: true });
  }
}
