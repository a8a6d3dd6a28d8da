import { eld } from "eld/medium";
import type { Language } from "../text/multilingual.js";
import { candidateLanguages, LANGUAGES } from "../text/multilingual.js";

/** The language of a question: the one the widget asked for, else detected (short questions too), else German. */
export function detectLanguage(question: string, requested?: string): string {
  if (requested) return requested.slice(0, 2).toLowerCase();
  const result = eld.detect(question);
  const detected = result.language;
  if (detected && result.isReliable() && (LANGUAGES as readonly string[]).includes(detected)) return detected;
  // Unreliable on very short input ("Perso?"): trust the script only where it is decisive.
  const byScript = candidateLanguages(question);
  return byScript.length === 1 || byScript[0] === "ar" || byScript[0] === "fa" || byScript[0] === "uk" ? byScript[0]! : "de";
}

export const RTL = new Set(["ar", "fa", "he", "ur"]);

/** Shown with offline answers to a question in another language. */
export const OFFLINE_NOTE: Record<Language, string> = {
  de: "",
  en: "Note: without the AI service, answers are only available in German. The German sources are binding.",
  tr: "Not: Yapay zekâ hizmeti olmadan yanıtlar yalnızca Almanca verilebilir. Almanca kaynaklar bağlayıcıdır.",
  uk: "Примітка: без сервісу штучного інтелекту відповіді доступні лише німецькою мовою. Обов'язковими є німецькі джерела.",
  ar: "ملاحظة: بدون خدمة الذكاء الاصطناعي تتوفر الإجابات باللغة الألمانية فقط. المصادر الألمانية هي المرجع الملزم.",
  ru: "Примечание: без сервиса искусственного интеллекта ответы доступны только на немецком языке. Обязательными являются немецкие источники.",
  pl: "Uwaga: bez usługi sztucznej inteligencji odpowiedzi są dostępne tylko w języku niemieckim. Wiążące są źródła niemieckie.",
  ro: "Notă: fără serviciul de inteligență artificială, răspunsurile sunt disponibile doar în limba germană. Sursele germane sunt obligatorii.",
  fa: "توجه: بدون سرویس هوش مصنوعی، پاسخ‌ها فقط به زبان آلمانی در دسترس هستند. منابع آلمانی ملاک هستند.",
};

/** Added to a model's answer in another language. */
export const BINDING_NOTE: Record<Language, string> = {
  de: "",
  en: "Only the German sources are legally binding.",
  tr: "Yalnızca Almanca kaynaklar hukuken bağlayıcıdır.",
  uk: "Юридично обов'язковими є лише німецькі джерела.",
  ar: "المصادر الألمانية وحدها هي الملزمة قانونياً.",
  ru: "Юридически обязательными являются только немецкие источники.",
  pl: "Prawnie wiążące są wyłącznie źródła niemieckie.",
  ro: "Doar sursele germane sunt obligatorii din punct de vedere juridic.",
  fa: "فقط منابع آلمانی از نظر حقوقی معتبر هستند.",
};

/** Added when a model answered in German although the citizen asked in another language. */
export const GERMAN_ONLY_NOTE: Record<Language, string> = {
  de: "",
  en: "This answer could only be given in German. The German sources are binding.",
  tr: "Bu yanıt yalnızca Almanca verilebildi. Almanca kaynaklar bağlayıcıdır.",
  uk: "Цю відповідь вдалося надати лише німецькою мовою. Обов'язковими є німецькі джерела.",
  ar: "تعذّر تقديم هذه الإجابة إلا باللغة الألمانية. المصادر الألمانية هي المرجع الملزم.",
  ru: "Этот ответ удалось дать только на немецком языке. Обязательными являются немецкие источники.",
  pl: "Tej odpowiedzi można było udzielić tylko po niemiecku. Wiążące są źródła niemieckie.",
  ro: "Acest răspuns a putut fi dat doar în limba germană. Sursele germane sunt obligatorii.",
  fa: "این پاسخ فقط به زبان آلمانی ممکن بود. منابع آلمانی ملاک هستند.",
};

/** Shown when the model endpoint failed and the offline answer stands in. */
export const FALLBACK_NOTICE = "Der KI-Dienst ist gerade nicht erreichbar; diese Antwort besteht aus Auszügen der Quellen.";

export const LANGUAGE_NAMES: Record<Language, string> = {
  de: "Deutsch",
  en: "English",
  tr: "Türkçe",
  uk: "українська",
  ar: "العربية",
  ru: "русский",
  pl: "polski",
  ro: "română",
  fa: "فارسی",
};

export const noteFor = (notes: Record<Language, string>, lang: string) => notes[lang as Language] ?? notes.en;
