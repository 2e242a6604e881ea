// The key field both pages share: paste a key, it is kept for this tab and used by every call.
import { saveKey, savedKey } from "./api.js";

export function mountKeyBar(element, onChange) {
  element.innerHTML = `<form id="api-key-form">
    <input type="text" name="username" value="pgrec" autocomplete="username" hidden>
    <label>API key <input type="password" id="api-key" autocomplete="off" spellcheck="false"
      placeholder="pgrec_… (make run prints a demo key)"></label>
    <button type="submit" id="api-key-save">Use key</button>
    <span class="key-state" id="api-key-state"></span></form>`;
  const input = element.querySelector("#api-key");
  const state = element.querySelector("#api-key-state");
  const show = () => { state.textContent = savedKey() ? "key set for this tab" : "no key yet"; };
  input.value = savedKey();
  const use = () => { saveKey(input.value.trim()); show(); onChange(); };
  element.querySelector("#api-key-form").addEventListener("submit", (event) => { event.preventDefault(); use(); });
  show();
}
