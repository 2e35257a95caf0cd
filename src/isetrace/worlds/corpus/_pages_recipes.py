"""Saltbox Kitchen: tested home recipes with metric quantities, per-serving nutrition and a JSON API."""

from __future__ import annotations

from typing import Any

from ._common import Page, page, raw, table, to_json

HOST = "recipes.saltbox.test"
BASE = f"http://{HOST}"
CATEGORIES = [("bread", "Bread"), ("soups", "Soups"), ("mains", "Main courses"), ("desserts", "Desserts"),
              ("breakfast", "Breakfast")]

SITES = {HOST: {"name": "Saltbox Kitchen",
                "nav": [("All recipes", "/"), *((name, f"/category/{slug}.html") for slug, name in CATEGORIES),
                        ("Conversions", "/conversions.html")],
                "footer": "Saltbox Kitchen · every recipe tested three times · recipes CC0 1.0"}}

Ingredient = tuple[float, str, str]
# slug, title, category, servings, prep minutes, cook minutes, tags, ingredients, steps, kcal/protein/carbs/fat, note
RECIPES: list[tuple[str, str, str, int, int, int, list[str], list[Ingredient], list[str], tuple[int, int, int, int],
                    str]] = [
    ("everyday-sourdough", "Everyday sourdough loaf", "bread", 12, 40, 42, ["vegan"],
     [(450, "g", "strong white bread flour"), (50, "g", "wholemeal flour"),
      (100, "g", "active starter (100% hydration)"),
      (346, "g", "water, about 27 °C"), (10, "g", "fine salt")],
     ["Mix the flours and 326 g of the water; rest 45 minutes.", "Add the starter, salt and remaining 20 g of water; "
      "squeeze through until smooth.", "Over the next 2 hours give four sets of stretch and folds, 30 minutes apart.",
      "Leave until risen by half, about 4 to 5 hours at 24 °C in total.", "Shape into a tight round and place seam up "
      "in a floured basket.", "Cover and refrigerate 12 to 16 hours.", "Heat the oven with a lidded pot to 250 °C. "
      "Bake 20 minutes covered, then 22 minutes uncovered at 230 °C.", "Cool at least 1 hour before slicing."],
     (150, 5, 31, 1), "Hydration is 72%: 396 g of water for 550 g of flour, counting the starter's share of each."),
    ("quick-soda-bread", "Quick soda bread", "bread", 8, 10, 40, ["vegetarian"],
     [(500, "g", "plain flour"), (5, "g", "bicarbonate of soda (1 tsp)"), (5, "g", "salt (1 tsp)"),
      (400, "ml", "buttermilk")],
     ["Heat the oven to 200 °C and flour a baking tray.", "Whisk the flour, soda and salt; pour in the buttermilk and "
      "mix quickly to a soft, sticky dough.", "Shape into a round about 4 cm high and cut a deep cross in the top.",
      "Bake 40 minutes, until the base sounds hollow when tapped."],
     (240, 8, 48, 1), "No yeast and no rising time. Eat the same day or toast it."),
    ("focaccia", "Olive oil focaccia", "bread", 10, 20, 22, ["vegan"],
     [(500, "g", "strong white bread flour"), (400, "g", "water"), (7, "g", "instant yeast"), (10, "g", "salt"),
      (50, "ml", "olive oil, plus extra for the tin"), (1, "tsp", "flaky sea salt")],
     ["Mix flour, water, yeast and salt to a wet dough; rest 30 minutes.", "Fold the dough in the bowl four times, "
      "30 minutes apart.", "Oil a 30 x 40 cm tin, tip the dough in and let it spread for 1 hour.",
      "Dimple with oiled fingers, drizzle with the olive oil and sprinkle with flaky salt.", "Bake at 220 °C for "
      "22 minutes until deep golden."],
     (230, 6, 38, 6), "At 80% hydration the dough is too wet to knead; folding builds the structure instead."),
    ("roasted-tomato-soup", "Roasted tomato soup", "soups", 4, 15, 45, ["vegan", "gluten-free"],
     [(1000, "g", "ripe tomatoes, halved"), (1, "", "onion, quartered"), (3, "", "garlic cloves"),
      (2, "tbsp", "olive oil"), (500, "ml", "vegetable stock"), (10, "g", "basil leaves")],
     ["Heat the oven to 200 °C.", "Roast tomatoes, onion and garlic with the oil for 35 minutes.", "Transfer to a pan, "
      "add the stock and simmer 10 minutes.", "Blend with the basil and season to taste."],
     (140, 3, 14, 8), "Check that the stock is gluten-free if that matters to you."),
    ("red-lentil-soup", "Red lentil soup with cumin and lemon", "soups", 4, 10, 30, ["vegan", "gluten-free"],
     [(250, "g", "red lentils, rinsed"), (1, "", "onion, chopped"), (2, "", "carrots, diced"),
      (1, "tsp", "ground cumin"),
      (1.2, "l", "vegetable stock"), (1, "", "lemon, juiced"), (2, "tbsp", "olive oil")],
     ["Soften the onion and carrots in the oil for 8 minutes.", "Add the cumin for 1 minute, then the lentils and "
      "stock.", "Simmer 20 minutes until the lentils collapse.",
      "Blend half of it, stir back in, and add lemon juice."],
     (290, 15, 41, 7), "Freezes well for three months."),
    ("leek-and-potato-soup", "Leek and potato soup", "soups", 4, 15, 30, ["vegetarian", "gluten-free"],
     [(3, "", "leeks, sliced"), (600, "g", "floury potatoes, diced"), (30, "g", "butter"), (1, "l", "vegetable stock"),
      (100, "ml", "single cream")],
     ["Sweat the leeks in the butter for 10 minutes without browning.", "Add potatoes and stock; simmer 20 minutes.",
      "Blend until smooth, stir in the cream and season."],
     (260, 6, 33, 12), "For a vegan version use oil and oat cream."),
    ("chickpea-spinach-curry", "Chickpea and spinach curry", "mains", 4, 10, 25, ["vegan", "gluten-free"],
     [(2, "tins", "chickpeas (400 g each), drained"), (400, "ml", "coconut milk"), (200, "g", "baby spinach"),
      (1, "", "onion, chopped"), (3, "", "garlic cloves"), (20, "g", "fresh ginger, grated"),
      (2, "tbsp", "curry paste"), (1, "tbsp", "oil")],
     ["Fry the onion in the oil for 8 minutes.", "Add garlic, ginger and curry paste for 2 minutes.",
      "Add the chickpeas and coconut milk; simmer 12 minutes.", "Stir in the spinach until it wilts. Serve with rice."],
     (390, 13, 34, 22), "Many curry pastes contain shrimp or fish sauce; check the label for a vegan version."),
    ("baked-salmon-lemon", "Baked salmon with lemon and dill", "mains", 4, 10, 25, ["gluten-free"],
     [(4, "", "salmon fillets, about 130 g each"), (500, "g", "new potatoes"), (200, "g", "green beans"),
      (1, "", "lemon, sliced"), (10, "g", "dill"), (2, "tbsp", "olive oil")],
     ["Boil the potatoes for 15 minutes.", "Heat the oven to 200 °C. Lay the salmon on lemon slices, drizzle with "
      "oil and bake 12 to 15 minutes, until the centre reaches 52 °C for moist or 60 °C for well done.",
      "Steam the beans for 4 minutes.", "Serve with the dill scattered over."],
     (420, 30, 24, 22), "Frozen fillets work; thaw overnight in the fridge."),
    ("mushroom-risotto", "Mushroom risotto", "mains", 4, 10, 30, ["vegetarian", "gluten-free"],
     [(320, "g", "risotto rice"), (400, "g", "mixed mushrooms, sliced"), (1.2, "l", "hot vegetable stock"),
      (125, "ml", "dry white wine"), (1, "", "onion, finely chopped"), (30, "g", "butter"),
      (50, "g", "vegetarian hard cheese, grated")],
     ["Brown the mushrooms in half the butter; set aside.", "Soften the onion in the rest of the butter, add the rice "
      "and stir 2 minutes.", "Add the wine, then the stock a ladle at a time, stirring, for about 18 minutes.",
      "Stir in the mushrooms and cheese; rest 2 minutes before serving."],
     (480, 14, 72, 14), "Traditional Parmesan is made with animal rennet, so it is not vegetarian."),
    ("chicken-traybake", "One-pan chicken traybake", "mains", 4, 15, 45, ["gluten-free"],
     [(8, "", "chicken thighs, skin on"), (600, "g", "potatoes, in wedges"), (2, "", "red peppers, in strips"),
      (1, "", "red onion, in wedges"), (2, "tsp", "smoked paprika"), (3, "tbsp", "olive oil")],
     ["Heat the oven to 200 °C.", "Toss everything with the oil, paprika and salt in a large roasting tin, chicken "
      "skin up.", "Roast 45 minutes, until the chicken reaches 75 °C at the thickest part."],
     (610, 38, 33, 35), "Thighs stay juicier than breasts in a traybake."),
    ("apple-crumble", "Apple crumble", "desserts", 6, 20, 35, ["vegetarian"],
     [(800, "g", "cooking apples, peeled and sliced"), (50, "g", "caster sugar"), (1, "tsp", "ground cinnamon"),
      (150, "g", "plain flour"), (100, "g", "cold butter, diced"), (75, "g", "demerara sugar"),
      (50, "g", "rolled oats")],
     ["Heat the oven to 190 °C.", "Toss the apples with the caster sugar and cinnamon in a baking dish.",
      "Rub the butter into the flour, then stir in the demerara sugar and oats.", "Scatter over the apples and bake "
      "35 minutes until golden and bubbling."],
     (360, 4, 55, 14), "Serve with custard or yoghurt."),
    ("dark-chocolate-mousse", "Dark chocolate mousse", "desserts", 4, 20, 0, ["vegetarian", "gluten-free"],
     [(150, "g", "dark chocolate, 70%"), (4, "", "eggs, separated"), (20, "g", "caster sugar"), (1, "pinch", "salt")],
     ["Melt the chocolate and cool it to about 35 °C.", "Whisk the whites with the salt to soft peaks, add the sugar "
      "and whisk to firm peaks.", "Stir the yolks into the chocolate, then fold in the whites in three parts.",
      "Divide into four glasses and chill at least 4 hours."],
     (300, 9, 22, 20), "Contains raw egg: not suitable for pregnant women, young children or the elderly."),
    ("overnight-oats", "Overnight oats", "breakfast", 1, 5, 0, ["vegetarian"],
     [(50, "g", "rolled oats"), (120, "ml", "milk"), (60, "g", "natural yoghurt"), (1, "tsp", "honey"),
      (80, "g", "berries")],
     ["Stir oats, milk, yoghurt and honey in a jar.", "Refrigerate overnight, or at least 6 hours.",
      "Top with the berries in the morning."],
     (330, 14, 50, 8), "Keeps two days in the fridge. Oats are gluten-free only if labelled so."),
    ("buttermilk-pancakes", "Buttermilk pancakes", "breakfast", 4, 10, 15, ["vegetarian"],
     [(200, "g", "plain flour"), (2, "tsp", "baking powder"), (1, "tbsp", "sugar"), (0.5, "tsp", "salt"),
      (300, "ml", "buttermilk"), (1, "", "egg"), (30, "g", "butter, melted")],
     ["Whisk the dry ingredients in one bowl and the wet in another.", "Combine with a few strokes; lumps are fine.",
      "Cook 60 ml of batter per pancake on a medium-hot pan, about 2 minutes a side.", "Makes 12 pancakes."],
     (330, 10, 47, 10), "Rest the batter 10 minutes for thicker pancakes."),
    ("shakshuka", "Shakshuka", "breakfast", 3, 10, 25, ["vegetarian", "gluten-free"],
     [(6, "", "eggs"), (2, "tins", "chopped tomatoes (400 g each)"), (2, "", "red peppers, sliced"),
      (1, "", "onion, sliced"), (2, "", "garlic cloves"), (1, "tsp", "ground cumin"), (1, "tsp", "paprika"),
      (100, "g", "feta"), (2, "tbsp", "olive oil")],
     ["Soften onion and peppers in the oil for 10 minutes.", "Add garlic and spices for 1 minute, then the tomatoes; "
      "simmer 10 minutes.", "Make six hollows and crack in the eggs; cover and cook 6 to 8 minutes.",
      "Crumble over the feta and serve with bread."],
     (380, 21, 20, 24), "Serve with bread, or without it to keep the dish gluten-free."),
]


def _quantity(amount: float, unit: str) -> str:
    number = f"{amount:g}"
    return f"{number} {unit}".strip() if unit else number


def _record(r: tuple[Any, ...]) -> dict[str, Any]:
    slug, title, category, servings, prep, cook, tags, ingredients, steps, (kcal, protein, carbs, fat), note = r
    return {"slug": slug, "title": title, "category": category, "servings": servings, "prep_minutes": prep,
            "cook_minutes": cook, "total_minutes": prep + cook, "tags": tags,
            "ingredients": [{"quantity": q, "unit": u, "item": i} for q, u, i in ingredients], "steps": steps,
            "nutrition_per_serving": {"kcal": kcal, "protein_g": protein, "carbohydrate_g": carbs, "fat_g": fat},
            "note": note, "url": f"{BASE}/recipes/{slug}.html"}


def pages() -> list[Page]:
    out: list[Page] = []
    records = [_record(r) for r in RECIPES]
    names = dict(CATEGORIES)
    for rec in records:
        ingredients = "\n".join(f"- {_quantity(i['quantity'], i['unit'])} {i['item']}" for i in rec["ingredients"])
        steps = "\n".join(f"{n}. {s}" for n, s in enumerate(rec["steps"], 1))
        n = rec["nutrition_per_serving"]
        out.append(page(rec["url"], rec["title"], "article", f"""
Serves {rec['servings']} · preparation {rec['prep_minutes']} min · cooking {rec['cook_minutes']} min ·
{', '.join(rec['tags'])} · [{names[rec['category']]}](/category/{rec['category']}.html)

## Ingredients

{ingredients}

## Method

{steps}

## Per serving

| Energy | Protein | Carbohydrate | Fat |
|---|---|---|---|
| {n['kcal']} kcal | {n['protein_g']} g | {n['carbohydrate_g']} g | {n['fat_g']} g |

**Note:** {rec['note']}

Oven temperatures are for a conventional oven; for a fan oven use 20 °C less (see [conversions](/conversions.html)).
""", summary=f"{rec['title']}: serves {rec['servings']}, ready in {rec['total_minutes']} minutes."))
    for slug, name in CATEGORIES:
        rows = [(f"[{r['title']}]({r['url']})", r["servings"], f"{r['total_minutes']} min", ", ".join(r["tags"]),
                 r["nutrition_per_serving"]["kcal"]) for r in records if r["category"] == slug]
        out.append(page(f"{BASE}/category/{slug}.html", name, "listing",
                        table(("Recipe", "Serves", "Time", "Suitable for", "kcal per serving"), rows)))
    out.append(raw(f"{BASE}/api/recipes.json", "All recipes", "api", to_json({"count": len(records),
                                                                             "recipes": records}), "json"))
    out.append(page(f"{BASE}/conversions.html", "Kitchen conversions", "docs", """
## Volume

| Measure | Millilitres |
|---|---|
| 1 teaspoon (tsp) | 5 ml |
| 1 tablespoon (tbsp) | 15 ml |
| 1 US cup | 240 ml |
| 1 UK pint | 568 ml |

## Weight of a US cup

| Ingredient | Grams per cup |
|---|---|
| plain flour | 125 g |
| caster sugar | 200 g |
| rolled oats | 90 g |
| butter | 227 g |
| rice | 185 g |

## Oven temperatures

| Conventional | Fan | Fahrenheit | Gas mark |
|---|---|---|---|
| 160 °C | 140 °C | 325 °F | 3 |
| 180 °C | 160 °C | 350 °F | 4 |
| 190 °C | 170 °C | 375 °F | 5 |
| 200 °C | 180 °C | 400 °F | 6 |
| 220 °C | 200 °C | 425 °F | 7 |
| 230 °C | 210 °C | 450 °F | 8 |

Exact conversion: °F = °C × 9 / 5 + 32. The table rounds to the settings printed on ovens.

## Scaling a recipe

Multiply every quantity by new servings ÷ original servings. Baking times change little when you scale
within a factor of two, but tin sizes do: doubling a cake needs a tin with twice the area, not twice the
diameter.
"""))
    out.append(page(f"{BASE}/", "Saltbox Kitchen", "listing", f"""
Home cooking in metric, tested three times before it is published. {len(records)} recipes; every one is also
available as structured data from the [recipe API](/api/recipes.json).

{table(("Recipe", "Category", "Serves", "Time"),
       [(f"[{r['title']}]({r['url']})", names[r['category']], r['servings'], f"{r['total_minutes']} min")
        for r in records])}
"""))
    return out
