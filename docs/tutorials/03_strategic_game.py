# %% [markdown]
# # 03_strategic_game

# %%
print(1)
