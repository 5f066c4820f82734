// Dictation: record the microphone with MediaRecorder; the audio goes to the kernel as a
// binary buffer, where the server's `transcribe` turns it into text.

export interface Recording {
  /** Stop and get the audio (ChatKit accepts audio/webm, audio/ogg, audio/mp4). */
  stop(): Promise<{ data: ArrayBuffer; mimeType: string }>;
  cancel(): void;
}

const TYPES = ["audio/webm;codecs=opus", "audio/webm", "audio/ogg;codecs=opus", "audio/mp4"];

export async function startRecording(): Promise<Recording> {
  if (!navigator.mediaDevices?.getUserMedia || typeof MediaRecorder === "undefined") {
    throw new Error("This browser cannot record audio.");
  }
  const stream = await navigator.mediaDevices.getUserMedia({ audio: true });
  const mimeType = TYPES.find((type) => MediaRecorder.isTypeSupported(type)) ?? "";
  const recorder = new MediaRecorder(stream, mimeType ? { mimeType } : undefined);
  const chunks: Blob[] = [];
  recorder.addEventListener("dataavailable", (event) => {
    if (event.data.size > 0) chunks.push(event.data);
  });
  recorder.start(250);
  const release = () => stream.getTracks().forEach((track) => track.stop());
  return {
    stop() {
      return new Promise((resolve, reject) => {
        recorder.addEventListener(
          "stop",
          () => {
            release();
            const type = recorder.mimeType || mimeType || "audio/webm";
            new Blob(chunks, { type }).arrayBuffer().then((data) => resolve({ data, mimeType: type }), reject);
          },
          { once: true },
        );
        recorder.stop();
      });
    },
    cancel() {
      if (recorder.state !== "inactive") recorder.stop();
      release();
    },
  };
}
