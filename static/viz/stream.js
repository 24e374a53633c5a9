// The websocket: frames of {seq, messages}. A skipped sequence number means the channel
// layer dropped something; the page then resynchronises from the API (onGap).
import {config, pageId} from "./api.js";

export class Stream {
  constructor({onOpen, onMessage, onGap, onClose}) {
    Object.assign(this, {onOpen, onMessage, onGap, onClose});
    this.expected = null;
    this.backoff = 500;
    this.socket = null;
    this.open = false;
  }

  connect() {
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    const socket = this.socket = new WebSocket(`${scheme}//${location.host}${config.wsPath}?page=${pageId}`);
    this.expected = null;
    socket.onopen = () => { this.open = true; this.backoff = 500; this.onOpen && this.onOpen(); };
    socket.onmessage = ev => {
      const frame = JSON.parse(ev.data);
      if (this.expected !== null && frame.seq !== this.expected) this.onGap && this.onGap(this.expected, frame.seq);
      this.expected = frame.seq + 1;
      for (const message of frame.messages || []) this.onMessage(message, frame);
    };
    socket.onclose = ev => {
      this.open = false;
      this.onClose && this.onClose(ev);
      if (ev.code === 4401 || ev.code === 4404) return;  // not logged in / no such cluster: retrying cannot help
      setTimeout(() => this.connect(), this.backoff);
      this.backoff = Math.min(this.backoff * 2, 8000);
    };
  }

  send(message) {
    if (this.socket && this.socket.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify(message));
  }
}
