/**
 * The credential the console signs in with: kept in sessionStorage only, so it lives as long as
 * the browser tab and never reaches a cookie, localStorage or the URL.
 */
const KEY = 'event-hub-console.credential';

export const loadCredential = (): string | null => sessionStorage.getItem(KEY);
export const saveCredential = (credential: string): void => sessionStorage.setItem(KEY, credential);
export const forgetCredential = (): void => sessionStorage.removeItem(KEY);
