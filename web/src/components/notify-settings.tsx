import type { NotifyLevel, RoomNotifications } from "@parley/protocol";
import { effectiveLevel } from "../lib/notify-policy.ts";
import { useChat } from "../state/app-context.tsx";
import { NotifyMenu, type NotifyChoice } from "./notify-menu.tsx";

const LEVELS: NotifyChoice<NotifyLevel>[] = [
  { value: "all", label: "All messages" },
  { value: "mentions", label: "Mentions only" },
  { value: "none", label: "Nothing" },
];
const ROOM_LEVELS: NotifyChoice<RoomNotifications["level"]>[] = [{ value: "default", label: "Default (follows yours)" }, ...LEVELS];

/** The user's default level, in the top bar. Picking one that notifies is a moment to offer desktop notifications. */
export function DefaultNotifyMenu() {
  const chat = useChat();
  const change = (level: NotifyLevel) => {
    if (level !== "none") chat.desktop.offer();
    return chat.notifications.setUserLevel(level);
  };
  return (
    <NotifyMenu
      label="Your notifications"
      legend="In your rooms, notify me of"
      choices={LEVELS}
      value={chat.notifications.userLevel()}
      quiet={chat.notifications.userLevel() === "none"}
      onChange={change}
    />
  );
}

/** One room's level and mute, in its header. */
export function RoomNotifyMenu(props: { roomId: string; roomName: string }) {
  const chat = useChat();
  const settings = () => chat.notifications.room(props.roomId);
  const change = (level: RoomNotifications["level"]) => {
    if (effectiveLevel({ ...settings(), level }, chat.notifications.userLevel()) !== "none") chat.desktop.offer();
    return chat.notifications.setRoom(props.roomId, { level });
  };
  return (
    <NotifyMenu
      label={`Notifications for ${props.roomName}`}
      legend="In this room, notify me of"
      choices={ROOM_LEVELS}
      value={settings().level}
      quiet={settings().muted || effectiveLevel(settings(), chat.notifications.userLevel()) === "none"}
      onChange={change}
      muted={settings().muted}
      onMute={(muted) => chat.notifications.setRoom(props.roomId, { muted })}
    />
  );
}
