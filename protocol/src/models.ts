/** Shapes of docs/protocol.md, as the server sends them. */
export interface User {
  id: string;
  username: string;
}

export interface Room {
  id: string;
  name: string;
  topic: string;
  createdBy: string;
  createdAt: string;
  memberCount: number;
  onlineCount: number;
}

export interface Message {
  id: string;
  roomId: string;
  /** The room's order: 1, 2, 3, … with no gaps. */
  seq: number;
  user: User;
  body: string;
  clientId: string | null;
  createdAt: string;
}

export type Member = User & { online: boolean };
