/**
 * A small typed event emitter for the board and its devices.
 *
 * The board runs in Node and in the browser, so it does not use `node:events`. Event names and
 * argument lists are declared once as a map type, e.g.
 * `Emitter<{ transmit: [byte: number]; reset: [] }>`, and the compiler checks every `on`/`emit`.
 * Listeners run synchronously, in registration order, inside `emit`.
 */
export class Emitter<Events extends { [K in keyof Events]: unknown[] }> {
  private readonly listeners: { [K in keyof Events]?: Array<(...args: Events[K]) => void> } = {};

  // Lists are replaced, never changed in place, so `emit` can iterate one without copying it
  // while a listener adds or removes listeners.

  /** Adds `listener` for `event`; returns a function that removes it again. */
  on<K extends keyof Events>(event: K, listener: (...args: Events[K]) => void): () => void {
    this.listeners[event] = [...(this.listeners[event] ?? []), listener];
    return () => this.off(event, listener);
  }

  /** Removes one registration of `listener` for `event` (no-op when absent). */
  off<K extends keyof Events>(event: K, listener: (...args: Events[K]) => void): void {
    const list = this.listeners[event];
    if (list === undefined) return;
    const i = list.indexOf(listener);
    if (i >= 0) this.listeners[event] = [...list.slice(0, i), ...list.slice(i + 1)];
  }

  /** Calls every listener of `event` with `args`. */
  emit<K extends keyof Events>(event: K, ...args: Events[K]): void {
    const list = this.listeners[event];
    if (list === undefined) return;
    for (let i = 0; i < list.length; i++) list[i](...args);
  }

  /** True when `event` has at least one listener. */
  hasListeners<K extends keyof Events>(event: K): boolean {
    const list = this.listeners[event];
    return list !== undefined && list.length > 0;
  }
}
