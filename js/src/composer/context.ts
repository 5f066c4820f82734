// The store, for components deep in the thread (a user message's attachment thumbnails
// and tags need the kernel); null where a component is rendered without one.

import { createContext } from "preact";
import type { Store } from "../store";

export const StoreContext = createContext<Store | null>(null);
