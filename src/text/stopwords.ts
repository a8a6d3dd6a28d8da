/** German function words that carry no meaning for retrieval (folded form: lower case, ß as ss, umlauts kept). */
export const GERMAN_STOPWORDS: ReadonlySet<string> = new Set(
  `aber alle allem allen aller alles als also am an ander andere anderem anderen anderer anderes auch auf aus bei bin bis bitte bist da dadurch daher damit dann dar darf darfst darin darum das dass dasselbe dazu dein deine deinem deinen deiner dem den denn der deren des deshalb dessen die dies diese diesem diesen dieser dieses doch dort du durch ein eine einem einen einer eines einige einigen einmal er es etwa etwas euch euer eure fur gegen gibt habe haben hat hatte hatten hier hin hinter ich ihm ihn ihnen ihr ihre ihrem ihren ihrer im in indem ins ist ja jede jedem jeden jeder jedes jedoch jene kann kannst konnen konnte kein keine keinem keinen keiner man manche mehr mein meine meinem meinen meiner mich mir mit muss musst muss nach nicht nichts noch nun nur ob oder ohne sehr sein seine seinem seinen seiner seit sich sie sind so solche soll sollen sollte sondern sowie uber um und uns unser unsere unter viel vom von vor wann war waren warum was weil welche welchem welchen welcher welches wenn wer werde werden wie wieder will wir wird wirst wo wohin woher wollen womit worden wurde wurden zu zum zur zwar zwischen ca bzw usw ggf z b d h
   hallo guten tag danke gerne frage fragen mochte mochten brauche brauchen braucht bekomme kriege bekommen geht gehts tun mache machen
   mussen musste mussten konnen konnte konnten durfen durfte sollte sollten wollte wollten will lass lassen lasst wen wem dafur dazu daruber oft lange vorher bald gerade schon eigentlich genau immer wirklich mal einfach ganz`
    .split(/\s+/)
    .filter(Boolean),
);

/**
 * Stems of words that say how a question is asked rather than what it is about ("Wo finde ich",
 * "Welche Möglichkeiten gibt es", "in meiner Nähe", "Welche Art von", "Wie hoch ist"). Left out of the search words of a
 * question, but indexed as usual: a page may well be about "Möglichkeiten der Kinderbetreuung".
 */
export const QUESTION_FRAME: ReadonlySet<string> = new Set(["find", "erhalt", "moglich", "moglichkeit", "nah", "art", "hoch"]);
