/**
 * Offline follow-ups: "Und für den zweiten?" right after "Was kostet die Hundesteuer?" is searched
 * together with the question before it. A model rewrites follow-ups properly (ModelGenerator.standalone).
 */
const FOLLOW_UP = /^(und|aber|also|what about|and|ve|а|і|и|و|a|i|și|و)\b|^(was ist mit|wie ist es mit|gilt das|und wenn|dafür|dazu|der|die|das|den|dem|es|er|sie)\b/i;

export function offlineStandalone(question: string, history: { role: string; content: string }[] = []): string {
  const previous = [...history].reverse().find((t) => t.role === "user")?.content;
  if (!previous) return question;
  const words = question.trim().split(/\s+/).length;
  return words <= 5 || FOLLOW_UP.test(question.trim()) ? `${previous.slice(0, 500)} ${question}` : question;
}
