/**
 * Asks before leaving a room (the room header's and the directory's Leave share it): leaving drops
 * the room from the sidebar and its unread state, and is one click away from a mistake.
 */
export function confirmLeave(roomName: string): boolean {
  return confirm(`Leave ${roomName}? You can join it again from Browse rooms.`);
}
