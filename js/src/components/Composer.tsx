// The composer lives in ../composer/ (attachments, mentions, pickers, quote, dictation).
export { Composer } from "../composer/Composer";
