import { connect, type Socket } from 'node:net';

/**
 * A minimal WebSocket client for load generation: the upgrade, then frames
 * parsed by hand straight off the TCP stream, with no per-message events,
 * no UTF-8 validation and no copies. Thousands of these in one process cost
 * far less than `ws` clients, so the process that counts frames does not
 * limit what it measures. It answers pings (graphql-ws keeps sockets alive
 * with them) and masks what it sends with a zero key, as RFC 6455 allows.
 * Fragmented messages are not expected from `ws` servers and fail the socket.
 */
export interface WireHandlers {
  /** One whole message, `buf[start, end)`; the buffer is not kept by the socket. */
  onMessage(buf: Buffer, start: number, end: number): void;
  /** The socket is gone; `reason` says why (a close frame's code, an error, the peer hanging up). */
  onClose(reason: string): void;
}

const HANDSHAKE_END = Buffer.from('\r\n\r\n');

export class WireSocket {
  private rest: Buffer | null = null;
  private open = false;
  private closed = false;

  private readonly socket: Socket;
  private readonly handlers: WireHandlers;
  private readonly onOpen: (error: Error | null) => void;

  private constructor(socket: Socket, handlers: WireHandlers, onOpen: (error: Error | null) => void) {
    this.socket = socket;
    this.handlers = handlers;
    this.onOpen = onOpen;
  }

  /** Connects and upgrades; resolves once the server answered 101. */
  static open(url: URL, protocol: string | null, handlers: WireHandlers): Promise<WireSocket> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host: url.hostname, port: Number(url.port) });
      socket.setNoDelay(true);
      const wire: WireSocket = new WireSocket(socket, handlers, (error) => (error ? reject(error) : resolve(wire)));
      socket.on('data', (chunk: Buffer) => wire.onData(chunk));
      socket.on('error', (error) => wire.gone(`error: ${error.message}`));
      socket.on('close', () => wire.gone('connection closed'));
      socket.write(
        `GET ${url.pathname} HTTP/1.1\r\nHost: ${url.host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          `Sec-WebSocket-Key: ${Buffer.from(Math.random().toString(36).slice(2, 18).padEnd(16, '0')).toString('base64')}\r\n` +
          `Sec-WebSocket-Version: 13\r\n${protocol ? `Sec-WebSocket-Protocol: ${protocol}\r\n` : ''}\r\n`,
      );
    });
  }

  sendText(text: string): void {
    this.sendFrame(0x1, Buffer.from(text));
  }

  /** Drops the connection at once (no close handshake). */
  destroy(): void {
    this.closed = true;
    this.socket.destroy();
  }

  private sendFrame(opcode: number, payload: Buffer): void {
    if (this.closed) return;
    const length = payload.length;
    const lengthBytes = length < 126 ? 0 : length < 65_536 ? 2 : 8;
    const header = Buffer.alloc(2 + lengthBytes + 4); // the mask key stays 0: the payload goes as is
    header[0] = 0x80 | opcode;
    if (lengthBytes === 0) header[1] = 0x80 | length;
    else if (lengthBytes === 2) {
      header[1] = 0x80 | 126;
      header.writeUInt16BE(length, 2);
    } else {
      header[1] = 0x80 | 127;
      header.writeUInt32BE(Math.floor(length / 2 ** 32), 2);
      header.writeUInt32BE(length >>> 0, 6);
    }
    this.socket.write(Buffer.concat([header, payload]));
  }

  private gone(reason: string): void {
    if (!this.open) this.onOpen(new Error(reason));
    this.open = false;
    if (this.closed && reason === 'connection closed') return;
    this.closed = true;
    this.socket.destroy();
    this.handlers.onClose(reason);
  }

  private onData(chunk: Buffer): void {
    let buf = this.rest ? Buffer.concat([this.rest, chunk]) : chunk;
    this.rest = null;
    if (!this.open) {
      const end = buf.indexOf(HANDSHAKE_END);
      if (end < 0) {
        this.rest = Buffer.from(buf);
        return;
      }
      const head = buf.toString('latin1', 0, end);
      if (!head.startsWith('HTTP/1.1 101')) {
        this.gone(`upgrade refused: ${head.split('\r\n')[0]}`);
        return;
      }
      this.open = true;
      this.onOpen(null);
      buf = buf.subarray(end + HANDSHAKE_END.length);
    }
    const length = buf.length;
    let offset = 0;
    while (length - offset >= 2 && !this.closed) {
      const b0 = buf[offset]!;
      const b1 = buf[offset + 1]!;
      let payloadLength = b1 & 0x7f;
      let header = 2;
      if (payloadLength === 126) {
        if (length - offset < 4) break;
        payloadLength = buf.readUInt16BE(offset + 2);
        header = 4;
      } else if (payloadLength === 127) {
        if (length - offset < 10) break;
        payloadLength = buf.readUInt32BE(offset + 2) * 2 ** 32 + buf.readUInt32BE(offset + 6);
        header = 10;
      }
      const start = offset + header;
      const end = start + payloadLength;
      if (end > length) break;
      if ((b0 & 0x80) === 0 || (b1 & 0x80) !== 0) {
        this.gone('fragmented or masked frame from the server');
        return;
      }
      const opcode = b0 & 0x0f;
      if (opcode === 0x1 || opcode === 0x2) this.handlers.onMessage(buf, start, end);
      else if (opcode === 0x9) this.sendFrame(0xa, buf.subarray(start, end));
      else if (opcode === 0x8) {
        const code = payloadLength >= 2 ? buf.readUInt16BE(start) : 1005;
        this.gone(`close ${code} ${buf.toString('utf8', Math.min(start + 2, end), end)}`);
        return;
      }
      offset = end;
    }
    // Copy the partial frame: a slice would pin the whole read buffer (64 KiB) per socket.
    if (offset < length) this.rest = Buffer.from(buf.subarray(offset));
  }
}
