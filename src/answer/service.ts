import type { Config } from "../config/schema.js";
import { municipalityOf } from "../config/load.js";
import { indexNotReady, unknownMunicipality } from "../errors.js";
import type { AskRequest, AskResponse } from "../protocol/messages.js";
import type { Retriever } from "../retrieval/pool.js";
import type { IndexHolder } from "../store/holder.js";
import type { CircuitBreaker } from "./breaker.js";
import { streamLines, type ExtractiveGenerator } from "./extractive.js";
import { offlineStandalone } from "./followup.js";
import { detectLanguage, FALLBACK_NOTICE, noteFor, OFFLINE_NOTE } from "./language.js";
import { ModelError, type ModelGenerator } from "./model.js";

export interface AskServiceDeps {
  config: Config;
  index: IndexHolder;
  retriever: Retriever;
  extractive: ExtractiveGenerator;
  /** The model answerer, when an endpoint is configured, and its breaker. */
  model?: { generator: ModelGenerator; breaker: CircuitBreaker };
  onModelFailure?: (error: Error) => void;
}

/** One question in, one cited answer out: the path shared by HTTP and socket.io. */
export class AskService {
  constructor(private readonly deps: AskServiceDeps) {}

  /** "ok", or "degraded" while the model endpoint's breaker is open. */
  get modelState(): { provider: "local" | "openai"; model: string; state: "ok" | "degraded" | "offline"; retryInSeconds?: number } {
    const m = this.deps.model;
    if (!m) return { provider: "local", model: "extractive", state: "offline" };
    const base = { provider: "openai" as const, model: m.generator.name };
    return m.breaker.open ? { ...base, state: "degraded", retryInSeconds: m.breaker.retryInSeconds } : { ...base, state: "ok" };
  }

  async ask(request: AskRequest, onToken: (text: string) => void = () => {}, signal?: AbortSignal): Promise<AskResponse> {
    const { config, index, retriever, extractive, model } = this.deps;
    const municipality = municipalityOf(config, request.municipality);
    if (!municipality) throw unknownMunicipality(request.municipality ?? "");
    const snapshot = index.current();
    if (!snapshot) throw indexNotReady();
    const language = detectLanguage(request.question, request.language);
    const useModel = model && !model.breaker.open;

    let standalone = offlineStandalone(request.question, request.history);
    if (useModel && request.history?.length) {
      try {
        standalone = await model.generator.standalone(request.question, request.history, signal);
      } catch {
        // The offline rewrite stands; the answer itself will tell whether the endpoint is down.
      }
    }
    const retrieval = await retriever.retrieve(snapshot, standalone, { municipality: municipality.id, k: config.retrieval.topK });
    const input = {
      question: standalone,
      municipality,
      retrieval,
      analyzer: snapshot.analyzer,
      language,
      ...(request.style ? { style: request.style } : {}),
      ...(signal ? { signal } : {}),
    };

    if (useModel) {
      let streamed = false;
      try {
        const answer = await model.generator.generate(input, (t) => {
          streamed = true;
          onToken(t);
        });
        // Only an answer the endpoint actually wrote shows that it works.
        if (answer.generator === model.generator.name && answer.grounded) model.breaker.success();
        return answer;
      } catch (error) {
        if (signal?.aborted) throw error;
        // An answer that failed the checks says nothing about the endpoint's health.
        if (error instanceof ModelError && error.transport) model.breaker.failure();
        this.deps.onModelFailure?.(error as Error);
        const offline = this.offline(extractive.compose(input), language);
        return { ...offline, notice: FALLBACK_NOTICE, ...(streamed ? { revised: true } : {}) };
      }
    }
    const answer = this.offline(extractive.compose(input), language);
    streamLines(answer.answer, onToken);
    return model ? { ...answer, notice: FALLBACK_NOTICE } : answer;
  }

  /** Offline answers are German; a question in another language gets a note in its language. */
  private offline(answer: AskResponse, language: string): AskResponse {
    const note = language === "de" ? "" : noteFor(OFFLINE_NOTE, language);
    return note ? { ...answer, answer: `${note}\n\n${answer.answer}` } : answer;
  }
}
