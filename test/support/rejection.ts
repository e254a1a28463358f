/** What `run` throws, as the error's class and message; fails when it throws nothing. */
export function rejection(run: () => unknown): { type: string; message: string } {
  try {
    run();
  } catch (error) {
    return { type: (error as Error).constructor.name, message: (error as Error).message };
  }
  throw new Error('nothing was thrown');
}
