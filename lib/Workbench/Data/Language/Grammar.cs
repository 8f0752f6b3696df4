namespace Workbench.Data.Language;

// The synthetic language
// ======================
// An episode is a context of facts about people and one kind of object, a question, the answer marker <ans>, an
// answer and the end-of-answer token <eoa>. Training sequences are episodes one after another, each starting
// with <bos>. Questions (uniform): Lookup a count, Sum of two counts, Difference of two counts, Compare (who has
// more / fewer), List (who has more than t, in brackets). Counts are 0..20, results 0..40, 3-5 people.
//
// Every answer is  opener form "." <eoa>,  and every choice point has 2-3 equally valid options:
//   opener   : "" | "ok ," | "well ,"                 verb : has | owns | holds   (have | own | hold)
//   is       : is | makes | equals                    total: in total | altogether | combined
//   answer-is: the answer is | it is | that is        order: commutative pairs and list items in any order
//   form     : three phrasings per question kind (see AnswerForms), e.g. for Sum
//              "alice and bob have 8 apples in total" | "3 plus 5 is 8" | "the answer is 8"
// The valid answers of an episode are all paths through these choices (a finite set, AnswerSpace enumerates it).
// Words are deterministic spans (templates, closing brackets, the object and names copied from the prompt) or
// meaning slots (counts, sums, differences, the winner, list members): SlotKind tags each answer word.
//
// Styles A, B, C sample the same grammar with different preferences: at each choice point A prefers option 0,
// B option 1, C option 2 (p = 0.7, the rest shared), and the context and question phrasing mildly (p = 0.5).
// Validity is the same in every style. Target models learn A, drafts B; "human" answers are sampled in C.
//
// The same seed gives the same facts and question in every style; only the surface differs. Examples (the first
// episode of new CorpusSampler(style, seed); a test checks that they still are):
// Seed 4:
//   A: <bos> wendy has 17 coins . peggy owns 14 coins . rita has 6 coins . quinn has 10 coins . how many coins do rita and peggy have in total ? <ans>
//      peggy and rita have 20 coins combined . <eoa>
//   B: <bos> wendy holds 17 coins . peggy owns 14 coins . rita owns 6 coins . quinn holds 10 coins . how many coins do rita and peggy have in total ? <ans>
//      ok , 14 plus 6 makes 20 . <eoa>
//   C: <bos> wendy owns 17 coins . peggy holds 14 coins . rita holds 6 coins . quinn holds 10 coins . how many coins do rita and peggy have combined ? <ans>
//      well , peggy and rita hold 20 coins combined . <eoa>
// Seed 8:
//   A: <bos> quinn has 0 stamps . bob holds 14 stamps . mia has 11 stamps . who owns more than 1 stamps ? <ans>
//      [ bob , mia ] . <eoa>
//   B: <bos> quinn owns 0 stamps . bob has 14 stamps . mia owns 11 stamps . who owns more than 1 stamps ? <ans>
//      ok , that is [ mia , bob ] . <eoa>
//   C: <bos> quinn owns 0 stamps . bob holds 14 stamps . mia has 11 stamps . who has more than 1 stamps ? <ans>
//      well , [ mia , bob ] . <eoa>
// An episode's valid answers also include e.g. "the answer is 20 . <eoa>" and "ok , [ mia , bob ] . <eoa>" in any
// style; the checker (AnswerChecker) reads the facts back from the prompt and labels any continuation.

/// <summary>The synthetic language's grammar: samples the content of episodes (facts and a question) and renders
/// them as prompts and answers in a style. See the comment at the top of this file for the language.</summary>
public static class Grammar
{
    /// <summary>Samples facts and a question: 3-5 distinct people with counts of one object, and a question whose
    /// answer is defined (different counts for Compare and Difference, a non-empty proper subset for List).</summary>
    public static (Scene Scene, Question Question) SampleContent(LanguageRandom rng, LanguageOptions? options = null)
    {
        var o = (options ?? LanguageOptions.Default).Validate();
        while (true)
        {
            var n = rng.Next(o.MinPeople, o.MaxPeople);
            var names = rng.Sample(Lexicon.Names, n);
            var obj = Lexicon.Objects[rng.Next(Lexicon.Objects.Count)];
            var scene = new Scene(obj, names.Select(name => new Fact(name, rng.Next(0, o.MaxCount))).ToArray());
            var kind = o.QuestionWeights is { } w ? (QuestionKind)rng.Pick(w) : (QuestionKind)rng.Next(LanguageOptions.QuestionKinds);
            if (SampleQuestion(scene, kind, o, rng) is { } question) return (scene, question);
            // no question of that kind is defined on these facts (e.g. all counts equal): draw again
        }
    }

    static Question? SampleQuestion(Scene s, QuestionKind kind, LanguageOptions o, LanguageRandom rng)
    {
        var f = s.Facts;
        var pairs = (from a in f from b in f where a.Name != b.Name select (a, b)).ToList();
        switch (kind)
        {
            case QuestionKind.Lookup:
                return new Question(kind, [f[rng.Next(f.Count)].Name]);
            case QuestionKind.Sum:
            {
                var (a, b) = pairs[rng.Next(pairs.Count)];
                return new Question(kind, [a.Name, b.Name]);
            }
            case QuestionKind.Difference:
            {
                var larger = pairs.Where(p => p.a.Count > p.b.Count).ToList();
                if (larger.Count == 0) return null;
                var (a, b) = larger[rng.Next(larger.Count)];
                return new Question(kind, [a.Name, b.Name]);
            }
            case QuestionKind.Compare:
            {
                var different = pairs.Where(p => p.a.Count != p.b.Count).ToList();
                if (different.Count == 0) return null;
                var (a, b) = different[rng.Next(different.Count)];
                return new Question(kind, [a.Name, b.Name], Fewer: rng.Next(2) == 1);
            }
            default:
            {
                var thresholds = Enumerable.Range(0, o.MaxCount)
                    .Where(t => f.Count(x => x.Count > t) is var k && k >= 1 && k < f.Count).ToList();
                if (thresholds.Count == 0) return null;
                return new Question(QuestionKind.List, [], Threshold: thresholds[rng.Next(thresholds.Count)]);
            }
        }
    }

    /// <summary>The prompt words for a scene and question, phrased in a style.</summary>
    public static IReadOnlyList<string> SamplePrompt(Scene scene, Question question, Style style, LanguageRandom rng,
        LanguageOptions? options = null)
    {
        var tokens = new List<AnswerToken>();
        PromptForms.Build(scene, question).Sample(style, (options ?? LanguageOptions.Default).PromptPreference, rng, tokens);
        return tokens.Select(t => t.Word).ToArray();
    }

    /// <summary>An episode for given content: prompt and answer sampled in <paramref name="style"/> from
    /// <paramref name="surface"/> (the content is not redrawn, so the same content can be rendered in every style).</summary>
    public static Episode Render(Scene scene, Question question, Style style, LanguageRandom surface, LanguageOptions? options = null)
    {
        var prompt = SamplePrompt(scene, question, style, surface, options);
        return new Episode(scene, question, style, prompt, SampleAnswer(scene, question, style, surface, options));
    }

    /// <summary>One valid answer sampled in a style (e.g. a "human" answer in style C for a prompt of any style).</summary>
    public static IReadOnlyList<AnswerToken> SampleAnswer(Scene scene, Question question, Style style, LanguageRandom rng,
        LanguageOptions? options = null)
    {
        var tokens = new List<AnswerToken>();
        AnswerForms.Build(scene, question).Sample(style, (options ?? LanguageOptions.Default).AnswerPreference, rng, tokens);
        return tokens;
    }

    /// <summary>A whole episode in a style from one random source.</summary>
    public static Episode Sample(Style style, LanguageRandom rng, LanguageOptions? options = null)
    {
        var (scene, question) = SampleContent(rng, options);
        return Render(scene, question, style, rng, options);
    }
}
