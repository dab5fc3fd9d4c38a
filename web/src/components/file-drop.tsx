import { createSignal, Show } from "solid-js";

/**
 * Files dragged from the desktop onto an area (a room's column, a thread): while they are over it a
 * drop target shows, and dropping them hands them over. Drags of text or links inside the page are left alone.
 */
export function createFileDrop(onFiles: (files: File[]) => void) {
  const [over, setOver] = createSignal(false);
  // dragenter and dragleave fire for every child crossed: the area is left when they balance out.
  let depth = 0;
  const carriesFiles = (e: DragEvent) => e.dataTransfer?.types.includes("Files") === true;
  const reset = () => ((depth = 0), setOver(false));
  return {
    over,
    handlers: {
      onDragEnter(e: DragEvent) {
        if (!carriesFiles(e)) return;
        e.preventDefault();
        depth++;
        setOver(true);
      },
      onDragOver(e: DragEvent) {
        if (!carriesFiles(e)) return;
        e.preventDefault();
        e.dataTransfer!.dropEffect = "copy";
      },
      onDragLeave(e: DragEvent) {
        if (carriesFiles(e) && --depth <= 0) reset();
      },
      onDrop(e: DragEvent) {
        if (!carriesFiles(e)) return;
        e.preventDefault();
        reset();
        onFiles([...(e.dataTransfer?.files ?? [])]);
      },
    },
  };
}

/** The visible target over an area while files are dragged onto it. */
export function DropTarget(props: { shown: boolean; label: string }) {
  return (
    <Show when={props.shown}>
      <div class="drop-target" aria-hidden="true">
        <p>{props.label}</p>
      </div>
    </Show>
  );
}
