import type { Config } from "../config/schema.js";
import { municipalityOf } from "../config/load.js";
import { indexNotReady, unknownMunicipality } from "../errors.js";
import type { AskRequest, AskResponse } from "../protocol/messages.js";
import type { HybridRetriever } from "../retrieval/hybrid.js";
import type { IndexHolder } from "../store/holder.js";
import type { Generator } from "./answerer.js";

export interface AskServiceDeps {
  config: Config;
  index: IndexHolder;
  retriever: HybridRetriever;
  generator: Generator;
}

/** One question in, one cited answer out: the path shared by HTTP and socket.io. */
export class AskService {
  constructor(private readonly deps: AskServiceDeps) {}

  async ask(request: AskRequest, onToken: (text: string) => void = () => {}, signal?: AbortSignal): Promise<AskResponse> {
    const { config, index, retriever, generator } = this.deps;
    const municipality = municipalityOf(config, request.municipality);
    if (!municipality) throw unknownMunicipality(request.municipality ?? "");
    const snapshot = index.current();
    if (!snapshot) throw indexNotReady();
    const retrieval = await retriever.retrieve(snapshot, request.question, { municipality: municipality.id, k: config.retrieval.topK });
    return generator.generate(
      {
        question: request.question,
        municipality,
        retrieval,
        analyzer: snapshot.analyzer,
        ...(request.language ? { language: request.language } : {}),
        ...(request.history ? { history: request.history } : {}),
        ...(signal ? { signal } : {}),
      },
      onToken,
    );
  }
}
