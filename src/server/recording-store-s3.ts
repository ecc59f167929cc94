/**
 * Recordings in any S3-compatible bucket (AWS S3, R2's S3 API, MinIO, ...), path-style, with requests signed
 * by `aws4fetch` (SigV4). The final file is an S3 multipart upload of 5 MiB parts.
 */
import { AwsClient } from 'aws4fetch';
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

export interface S3Options {
  /** e.g. `https://<account>.r2.cloudflarestorage.com` or `http://127.0.0.1:9000` */
  endpoint: string;
  bucket: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** `auto` for R2. */
  region: string;
}

export class S3Error extends Error {
  override name = 'S3Error';
}

const xmlValues = (xml: string, tag: string): string[] =>
  [...xml.matchAll(new RegExp(`<${tag}>([^<]*)</${tag}>`, 'g'))].map((m) => unescapeXml(m[1]!));

const unescapeXml = (s: string) =>
  s
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&');

export class S3RecordingStore implements RecordingStore {
  readonly #client: AwsClient;
  readonly #base: string;

  constructor(options: S3Options) {
    this.#client = new AwsClient({
      accessKeyId: options.accessKeyId,
      secretAccessKey: options.secretAccessKey,
      region: options.region,
      service: 's3',
    });
    this.#base = `${options.endpoint.replace(/\/+$/, '')}/${encodeURIComponent(options.bucket)}`;
  }

  #url(key: string, query = ''): string {
    return `${this.#base}/${key.split('/').map(encodeURIComponent).join('/')}${query}`;
  }

  async #send(url: string, init: RequestInit & { ok404?: boolean } = {}): Promise<Response | undefined> {
    const response = await this.#client.fetch(url, init);
    if (response.status === 404 && init.ok404) return undefined;
    if (!response.ok) {
      throw new S3Error(
        `S3 ${init.method ?? 'GET'} failed: HTTP ${response.status} ${(await response.text()).slice(0, 200)}`,
      );
    }
    return response;
  }

  async putInfo(info: StoredRecording): Promise<void> {
    await this.#send(this.#url(infoKey(info.room, info.id)), { method: 'PUT', body: JSON.stringify(info) });
  }

  async getInfo(room: string, id: string): Promise<StoredRecording | undefined> {
    const response = await this.#send(this.#url(infoKey(room, id)), { ok404: true });
    return response ? ((await response.json()) as StoredRecording) : undefined;
  }

  async listInfos(room: string): Promise<StoredRecording[]> {
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const query = new URLSearchParams({ 'list-type': '2', prefix: `${room}/`, delimiter: '/' });
      if (token) query.set('continuation-token', token);
      const xml = await (await this.#send(`${this.#base}?${query.toString()}`))!.text();
      keys.push(...xmlValues(xml, 'Key').filter((k) => k.endsWith('.json')));
      token = /<IsTruncated>true<\/IsTruncated>/.test(xml)
        ? xmlValues(xml, 'NextContinuationToken')[0]
        : undefined;
    } while (token);
    const infos = await Promise.all(
      keys.map(async (key) => {
        const response = await this.#send(this.#url(key), { ok404: true });
        return response ? ((await response.json()) as StoredRecording) : undefined;
      }),
    );
    return infos.filter((i): i is StoredRecording => i !== undefined);
  }

  async rooms(): Promise<string[]> {
    const rooms: string[] = [];
    let token: string | undefined;
    do {
      const query = new URLSearchParams({ 'list-type': '2', delimiter: '/' });
      if (token) query.set('continuation-token', token);
      const xml = await (await this.#send(`${this.#base}?${query.toString()}`))!.text();
      // <CommonPrefixes><Prefix>room/</Prefix></CommonPrefixes>: one per room.
      for (const prefix of xmlValues(xml, 'Prefix'))
        if (prefix.endsWith('/')) rooms.push(prefix.slice(0, -1));
      token = /<IsTruncated>true<\/IsTruncated>/.test(xml)
        ? xmlValues(xml, 'NextContinuationToken')[0]
        : undefined;
    } while (token);
    return rooms;
  }

  async putChunk(room: string, id: string, seq: number, bytes: Uint8Array): Promise<void> {
    await this.#send(this.#url(chunkKey(room, id, seq)), {
      method: 'PUT',
      body: bytes as Uint8Array<ArrayBuffer>,
    });
  }

  async getChunk(room: string, id: string, seq: number): Promise<Uint8Array | undefined> {
    const response = await this.#send(this.#url(chunkKey(room, id, seq)), { ok404: true });
    return response ? new Uint8Array(await response.arrayBuffer()) : undefined;
  }

  async deleteChunks(room: string, id: string, count: number): Promise<void> {
    for (let seq = 0; seq < count; seq++) {
      await this.#send(this.#url(chunkKey(room, id, seq)), { method: 'DELETE', ok404: true });
    }
  }

  async writeFile(room: string, id: string): Promise<FinalWriter> {
    const url = this.#url(fileKey(room, id));
    const created = await (await this.#send(`${url}?uploads`, { method: 'POST' }))!.text();
    const uploadId = xmlValues(created, 'UploadId')[0];
    if (!uploadId) throw new S3Error('S3 multipart upload: no UploadId in the answer');
    const upload = `uploadId=${encodeURIComponent(uploadId)}`;
    const etags: string[] = [];
    const cutter = new PartCutter(async (n, bytes) => {
      const response = await this.#send(`${url}?partNumber=${n}&${upload}`, {
        method: 'PUT',
        body: bytes as Uint8Array<ArrayBuffer>,
      });
      etags[n - 1] = response!.headers.get('etag') ?? '';
    });
    return {
      write: (bytes) => cutter.write(bytes),
      close: async () => {
        const size = await cutter.finish();
        const parts = etags
          .map((etag, i) => `<Part><PartNumber>${i + 1}</PartNumber><ETag>${etag}</ETag></Part>`)
          .join('');
        await this.#send(`${url}?${upload}`, {
          method: 'POST',
          body: `<CompleteMultipartUpload>${parts}</CompleteMultipartUpload>`,
        });
        return size;
      },
      abort: async () => {
        await this.#send(`${url}?${upload}`, { method: 'DELETE', ok404: true });
      },
    };
  }

  async fileSize(room: string, id: string): Promise<number | undefined> {
    const response = await this.#send(this.#url(fileKey(room, id)), { method: 'HEAD', ok404: true });
    return response ? Number(response.headers.get('content-length') ?? 0) : undefined;
  }

  async readFile(room: string, id: string, range?: ByteRange): Promise<StoredFile | undefined> {
    const headers: Record<string, string> = range
      ? { range: `bytes=${range.offset}-${range.offset + range.length - 1}` }
      : {};
    const response = await this.#send(this.#url(fileKey(room, id)), { headers, ok404: true });
    if (!response?.body) return undefined;
    const total = /\/(\d+)$/.exec(response.headers.get('content-range') ?? '')?.[1];
    const size = Number(total ?? response.headers.get('content-length') ?? 0);
    return { size, body: response.body };
  }

  async deleteRecording(room: string, id: string, chunks: number): Promise<void> {
    await this.deleteChunks(room, id, chunks);
    for (const key of [fileKey(room, id), infoKey(room, id)]) {
      await this.#send(this.#url(key), { method: 'DELETE', ok404: true });
    }
  }
}
